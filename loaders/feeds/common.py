"""Small helpers several feed modules share."""

from __future__ import annotations

from datetime import date

from domain.reasons import RowReason
from loaders.ingest import Run
from loaders.ingest.errors import RowError

REFERRAL_ID = r"RR\d{8}"
FAMILY_ID = r"FAM\d{7}"
PLATEKEY = r"LP\d{7}-DNA_[A-H](0[1-9]|1[0-2])"
YES_NO = frozenset({"yes", "no"})


def withdrawn(run: Run, as_of: date) -> tuple[frozenset[str], frozenset[str]]:
    """(referral ids, pseudonyms) withdrawn with `no_further_use` on or before `as_of`,
    from every withdrawal loaded so far (withdrawals load first in a run)."""

    def fetch() -> tuple[frozenset[str], frozenset[str]]:
        rows = run.conn.execute(
            "select referral_id, participant_pseudonym from raw.withdrawals "
            "where withdrawal_option = 'no_further_use' and withdrawal_date <= %s",
            (as_of,),
        ).fetchall()
        return frozenset(r for r, _ in rows), frozenset(p for _, p in rows)

    # Not cached across deliveries: a withdrawal delivered earlier in this run must count.
    return fetch()


def reject_withdrawn(referral_id: str | None, ids: frozenset[str]) -> None:
    if referral_id in ids:
        raise RowError(
            RowReason.WITHDRAWN_PARTICIPANT,
            "participant withdrew (no_further_use) before this delivery",
        )


def age_on(born: date, on: date) -> int:
    """Completed years between two dates."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
