"""Consent withdrawal (feeds.md `withdrawals.csv`): `gwh withdraw LANDING`.

`no_further_use` means every row of the participant leaves every layer. The loaders put the
withdrawal into `raw.withdrawals`; `process_withdrawals` then applies each withdrawal not
yet applied, once, in one transaction per withdrawal, and writes one `audit.withdrawals` row
(pseudonym, date, option, what was removed, counts):

- raw: every row keyed by the participant's referral_id, pseudonym or platekey(s); where the
  participant is a family's proband, the family's exit questionnaire, every row derived from
  the family's joint VCF (summary, per-sample stats, contig counts, candidates, tiers), since
  the case *is* the proband's. Where the participant is another member of a joint-called
  family, their per-sample stats go and their genotype is cut out of each candidate's
  `members` list; the family's file-level counts and tiers stay (see docs/security.md).
- quarantine.rows: raw delivered lines holding their referral_id or platekey, or a
  10-digit token whose HMAC is their pseudonym (the NHS number itself is known nowhere).
- dbt tables (staging, intermediate, marts, snapshots, reporting_build, reporting): rows
  whose referral_id / proband_referral_id / participant_pseudonym / platekey is theirs, or
  whose family_id is a family they were proband of. Staging already excludes them on the
  next build (via raw.withdrawals); deleting now means nothing lingers until then, and the
  incremental models and the consent snapshot, which a build would not rewrite, are clean.
- dq.validation_results: their identifiers are removed from `unexpected_sample`.
- landing: their lines are cut out of every delimited file, their own files (QC JSON,
  single-sample VCFs, the family VCF of a family they were proband of) are deleted, and
  joint VCFs they are a member of are rewritten without their sample column (re-indexed,
  manifest checksum updated). Nothing is "moved aside", because an aside copy is still
  their data. The ledger row of each rewritten file takes the new SHA-256, so the loaders
  see the file as already loaded instead of loading it again.

The register of withdrawn pseudonyms (raw.withdrawals, audit.withdrawals) remains: it is what
lets the loaders refuse a later re-delivery (quarantine reason withdrawn_participant).

`no_further_contact` keeps the data; the participant is flagged (dim_participant.
is_no_further_contact) and left out of marts.dim_recontact_eligible_participant. Applying it
writes its audit row only.
"""

from governance.withdrawal.apply import (
    WithdrawalOutcome,
    WithdrawalReport,
    apply_withdrawal,
    process_withdrawals,
)
from governance.withdrawal.subjects import NO_FURTHER_CONTACT, NO_FURTHER_USE, Withdrawal

__all__ = [
    "NO_FURTHER_CONTACT",
    "NO_FURTHER_USE",
    "Withdrawal",
    "WithdrawalOutcome",
    "WithdrawalReport",
    "apply_withdrawal",
    "process_withdrawals",
]
