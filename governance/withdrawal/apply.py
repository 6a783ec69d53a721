"""Applying withdrawals: each one once, in one transaction, with its audit row."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from governance.releases.consent import remove_from_releases
from governance.withdrawal.database import (
    redact_ledger,
    remove_from_dbt_tables,
    remove_from_quarantine,
    remove_from_raw,
    scrub_dq_results,
)
from governance.withdrawal.landing import clean_landing, landing_files_of
from governance.withdrawal.subjects import (
    NO_FURTHER_USE,
    Withdrawal,
    find_subject,
    pending_withdrawals,
)
from loaders.pseudonymise import Pseudonymiser, resolve_key

log = logging.getLogger(__name__)


@dataclass
class WithdrawalOutcome:
    """What applying one withdrawal did. Holds no identifier but the referral id."""

    referral_id: str
    withdrawal_option: str
    withdrawal_date: date
    removed: dict[str, int] = field(default_factory=dict)
    landing_files: list[dict[str, str]] = field(default_factory=list)

    @property
    def rows_removed(self) -> int:
        return sum(self.removed.values())


@dataclass
class WithdrawalReport:
    """The outcome of one `process_withdrawals` call (the DAG task logs it)."""

    applied: list[WithdrawalOutcome] = field(default_factory=list)
    already_applied: int = 0

    @property
    def rows_removed(self) -> int:
        return sum(o.rows_removed for o in self.applied)

    def summary(self) -> str:
        by_option: dict[str, int] = {}
        for o in self.applied:
            by_option[o.withdrawal_option] = by_option.get(o.withdrawal_option, 0) + 1
        opts = ", ".join(f"{k} {v}" for k, v in sorted(by_option.items())) or "none"
        files = sum(len(o.landing_files) for o in self.applied)
        return (
            f"withdrawals applied: {len(self.applied)} ({opts}); already applied earlier: "
            f"{self.already_applied}; rows removed: {self.rows_removed}; "
            f"landing files changed: {files}"
        )


def apply_withdrawal(
    conn: psycopg.Connection, landing: Path, w: Withdrawal, pseudonymiser: Pseudonymiser
) -> WithdrawalOutcome:
    """Apply one withdrawal inside the caller's transaction and write its audit row."""
    outcome = WithdrawalOutcome(w.referral_id, w.withdrawal_option, w.withdrawal_date)
    if w.withdrawal_option == NO_FURTHER_USE:
        subject = find_subject(conn, w)
        quarantined_in: set[int] = set()
        remove_from_quarantine(conn, subject, pseudonymiser, outcome.removed, quarantined_in)
        # Where they are on the landing area, from the ledger, before their rows go.
        files = landing_files_of(conn, subject, quarantined_in)
        remove_from_raw(conn, subject, outcome.removed)
        redact_ledger(conn, subject, outcome.removed)
        remove_from_dbt_tables(conn, subject, outcome.removed)
        scrub_dq_results(conn, subject, outcome.removed)
        # Every research release still held, each amended with a counts-only log row.
        outcome.removed.update(
            remove_from_releases(conn, subject.referral_ids, subject.proband_families)
        )
        # Landing last: if it fails, the transaction rolls back and the next run retries
        # (cutting lines that are already gone is a no-op).
        outcome.landing_files = clean_landing(conn, landing, subject, pseudonymiser, files)
    conn.execute(
        "insert into audit.withdrawals (referral_id, participant_pseudonym, withdrawal_date, "
        "withdrawal_option, rows_removed, removed, landing_files) "
        "values (%s, %s, %s, %s, %s, %s, %s)",
        (
            w.referral_id,
            w.participant_pseudonym,
            w.withdrawal_date,
            w.withdrawal_option,
            outcome.rows_removed,
            json.dumps(outcome.removed, sort_keys=True),
            json.dumps(outcome.landing_files),
        ),
    )
    return outcome


def process_withdrawals(
    url: str, landing: Path, key: bytes | str | None = None
) -> WithdrawalReport:
    """Apply every loaded withdrawal not yet applied; one audit row each.

    Idempotent: a withdrawal with an audit row is never applied again, so a second call does
    nothing. Each withdrawal commits on its own (under an advisory lock, so two concurrent
    calls cannot apply the same one twice). The key is the pseudonymisation key (from the
    environment or Airflow when None): it is needed to recognise NHS numbers in quarantined
    lines and landing files.
    """
    pseudonymiser = Pseudonymiser(resolve_key(key))
    landing = Path(landing)
    report = WithdrawalReport()
    with psycopg.connect(url) as conn:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext('gwh withdraw'))")
            pending, report.already_applied = pending_withdrawals(conn)
        for i, w in enumerate(pending, 1):
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(hashtext('gwh withdraw'))")
                done = conn.execute(
                    "select 1 from audit.withdrawals where referral_id = %s "
                    "and withdrawal_option = %s",
                    (w.referral_id, w.withdrawal_option),
                ).fetchone()
                if done:
                    report.already_applied += 1
                    continue
                outcome = apply_withdrawal(conn, landing, w, pseudonymiser)
            report.applied.append(outcome)
            log.info(
                "withdrawal %d/%d: %s %s: %d rows removed, %d landing files changed",
                i,
                len(pending),
                w.referral_id,
                w.withdrawal_option,
                outcome.rows_removed,
                len(outcome.landing_files),
            )
    log.info("%s", report.summary())
    return report
