"""Who may no longer be loaded: participants withdrawn with `no_further_use`.

One query, used by every path a participant's data can re-enter by: delimited rows
(loaders.ingest.table), QC JSON (loaders.feeds.sequencing) and VCFs (loaders.genomes).
"""

from __future__ import annotations

from datetime import date

import psycopg


def withdrawn_no_further_use(conn: psycopg.Connection, as_of: date) -> list[tuple[str, str]]:
    """(referral_id, participant_pseudonym) of everyone a delivery dated `as_of` must refuse.

    A withdrawal counts from its date (a delivery made earlier, loaded in the same run, loads
    and is then removed by governance.withdrawal), and always once it has been applied
    (audit.withdrawals), so a late, back-dated delivery cannot bring the participant back.
    """
    return conn.execute(
        "select w.referral_id, w.participant_pseudonym from raw.withdrawals w "
        "where w.withdrawal_option = 'no_further_use' and (w.withdrawal_date <= %s "
        "or exists (select 1 from audit.withdrawals a where a.referral_id = w.referral_id "
        "and a.withdrawal_option = 'no_further_use'))",
        (as_of,),
    ).fetchall()
