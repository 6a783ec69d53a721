"""The integer ids a release shows: assigned once, kept where only the release builder reads.

`participant_id` and `rare_diseases_family_id` come from identity sequences in
`release_admin`, not from any identifier, so they cannot be reversed; a participant keeps
the same id in every release because the map only ever grows. The map is the one link
from a release back to the warehouse, and no researcher role can read its schema.
"""

from __future__ import annotations

import psycopg


def assign_ids(conn: psycopg.Connection) -> tuple[int, int]:
    """Give every participant and rare-disease family of the marts an id if it has none.

    Runs inside the cut's transaction, so the ids of a release are exactly those its
    snapshot needs. Returns (participants newly assigned, families newly assigned). New
    ids are handed out in random order, so an id's rank says nothing about the referral
    (referral ids are sequential and would otherwise show through the order).
    """
    participants = conn.execute(
        "insert into release_admin.participant_ids (referral_id) "
        "select referral_id from marts.dim_participant "
        "where referral_id not in (select referral_id from release_admin.participant_ids) "
        "order by random()"
    ).rowcount
    families = conn.execute(
        "insert into release_admin.family_ids (family_id) "
        "select family_id from (select distinct family_id from marts.dim_participant "
        "where programme = 'rare_disease' "
        "and family_id not in (select family_id from release_admin.family_ids)) as new "
        "order by random()"
    ).rowcount
    return participants, families


def participant_ids_of(conn: psycopg.Connection, referral_ids: set[str]) -> list[int]:
    """The release ids of these referrals (those that ever had one)."""
    rows = conn.execute(
        "select participant_id from release_admin.participant_ids where referral_id = any(%s)",
        (sorted(referral_ids),),
    ).fetchall()
    return [r[0] for r in rows]


def family_ids_of(conn: psycopg.Connection, family_ids: set[str]) -> list[int]:
    rows = conn.execute(
        "select rare_diseases_family_id from release_admin.family_ids where family_id = any(%s)",
        (sorted(family_ids),),
    ).fetchall()
    return [r[0] for r in rows]
