"""Who a withdrawal is about: every key their data is held under, and how to recognise a
delivered line that is theirs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

import psycopg

from loaders.pseudonymise import Pseudonymiser

NO_FURTHER_USE = "no_further_use"
NO_FURTHER_CONTACT = "no_further_contact"

_NHS_TOKEN = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


@dataclass(frozen=True)
class Withdrawal:
    """One withdrawal to apply (the earliest delivered row of a referral and option)."""

    referral_id: str
    participant_pseudonym: str
    withdrawal_date: date
    withdrawal_option: str


@dataclass
class Subject:
    """Every key under which one withdrawn participant's data is held."""

    referral_ids: set[str]
    pseudonyms: set[str]
    platekeys: set[str]
    families: set[str]  # every family they belong to
    proband_families: set[str]  # families whose proband they are
    vcf_files: set[str]  # VCF file names that are theirs alone (or their family's case)


def pending_withdrawals(conn: psycopg.Connection) -> tuple[list[Withdrawal], int]:
    """Withdrawals in raw.withdrawals without an audit row yet, and how many have one.

    A referral with both options gets both, no_further_contact first (data first flagged,
    then removed), which is also the order a participant can take them in.
    """
    rows = conn.execute(
        """
        select distinct on (w.referral_id, w.withdrawal_option)
            w.referral_id, w.participant_pseudonym, w.withdrawal_date, w.withdrawal_option,
            a.withdrawal_id is not null as applied
        from raw.withdrawals w
        left join audit.withdrawals a
            on a.referral_id = w.referral_id and a.withdrawal_option = w.withdrawal_option
        order by w.referral_id, w.withdrawal_option, w.delivery_date, w.ledger_file_id
        """
    ).fetchall()
    pending = [Withdrawal(r[0], r[1], r[2], r[3]) for r in rows if not r[4]]
    pending.sort(key=lambda w: (w.withdrawal_option != NO_FURTHER_CONTACT, w.withdrawal_date))
    return pending, sum(1 for r in rows if r[4])


def _col(conn: psycopg.Connection, query: str, params: Iterable) -> set[str]:
    return {r[0] for r in conn.execute(query, params).fetchall() if r[0] is not None}


def find_subject(conn: psycopg.Connection, w: Withdrawal) -> Subject:
    """Collect the participant's referral ids, pseudonyms, platekeys, families and VCFs."""
    rids = {w.referral_id}
    pseuds = {w.participant_pseudonym}
    # A person referred twice (two referral ids, one NHS number) withdraws as a person.
    rids |= _col(
        conn,
        "select referral_id from raw.referrals_participants where participant_pseudonym = any(%s)",
        (list(pseuds),),
    )
    pseuds |= _col(
        conn,
        "select participant_pseudonym from raw.referrals_participants where referral_id = any(%s)",
        (list(rids),),
    )
    r = list(rids)
    families = _col(
        conn, "select family_id from raw.referrals_participants where referral_id = any(%s)", (r,)
    )
    proband_families = _col(
        conn,
        "select family_id from raw.referrals_participants "
        "where referral_id = any(%s) and relationship_to_proband = 'proband' "
        "union select family_id from raw.variant_candidates where proband_referral_id = any(%s) "
        "union select family_id from raw.variant_tiers where proband_referral_id = any(%s) "
        "union select family_id from raw.results_exit_questionnaires where referral_id = any(%s)",
        (r, r, r, r),
    )
    platekeys = _col(
        conn,
        "select platekey from raw.sequencing_manifest where referral_id = any(%s) "
        "union select platekey from raw.variant_sample_stats where referral_id = any(%s) "
        "union select tumour_sample_platekey from raw.referrals_tumours where referral_id = any(%s)"
        " union select germline_sample_platekey from raw.referrals_tumours "
        "where referral_id = any(%s)",
        (r, r, r, r),
    )
    families |= _col(
        conn, "select family_id from raw.sequencing_manifest where referral_id = any(%s)", (r,)
    )
    # Their own VCFs: manifest VCF rows naming them (single-sample germline and somatic
    # files, or the joint VCF of a family whose proband they are), and any VCF of a family
    # they were proband of.
    vcf_files = _col(
        conn,
        "select file_name from raw.sequencing_manifest where file_type = 'vcf' "
        "and (referral_id = any(%s) or platekey = any(%s) or family_id = any(%s)) "
        "union select file_name from raw.variant_summaries where family_id = any(%s)",
        (r, list(platekeys), list(proband_families), list(proband_families)),
    )
    return Subject(rids, pseuds, platekeys, families, proband_families, vcf_files)


def line_matcher(s: Subject, pseudonymiser: Pseudonymiser) -> Callable[[str], bool]:
    """True for a delivered line that holds one of the participant's keys: referral id,
    platekey, or a 10-digit token (3-3-4 spacing allowed) hashing to their pseudonym."""
    words = sorted(s.referral_ids | s.platekeys)
    word_re = re.compile("|".join(re.escape(w) for w in words)) if words else None

    def matches(text: str) -> bool:
        if word_re is not None and word_re.search(text):
            return True
        for m in _NHS_TOKEN.finditer(text):
            if pseudonymiser("".join(m.groups())) in s.pseudonyms:
                return True
        return False

    return matches
