"""What the `gwh_release` DAG calls: whether a release is due, and cutting it.

A release is cut only from a night whose reporting layer was promoted (the data-quality
gate passed and the marts are that night's), and only once per such night: a release of a
night already released would be a copy. The DAG runs when the nightly DAG's promotion
emits the reporting Asset, or by hand; how often an automatic run actually cuts is the
Airflow Variable `gwh_release_every_days` (unset or 0: only by hand), read when the task
runs, never when the DAG file is parsed.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date

import psycopg

log = logging.getLogger(__name__)

EVERY_DAYS_VARIABLE = "gwh_release_every_days"


@dataclass
class ReleaseDue:
    due: bool
    reason: str
    promoted_night: str | None = None
    latest_release: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def release_due(url: str, *, manual: bool, every_days: int) -> ReleaseDue:
    """Whether to cut now: a promoted night not released yet, and (unless triggered by
    hand) at least `every_days` since the newest release's night (0: never automatic)."""
    with psycopg.connect(url) as conn:
        promoted = conn.execute(
            "select to_regclass('reporting.rpt_dashboard_pipeline_status')"
        ).fetchone()[0]
        if promoted is None:
            return ReleaseDue(False, "no reporting layer has been promoted yet")
        (night,) = conn.execute(
            "select last_successful_night from reporting.rpt_dashboard_pipeline_status"
        ).fetchone()
        latest = conn.execute(
            "select version, night_of from release_admin.releases order by version desc limit 1"
        ).fetchone()
    if latest is not None and latest[1] is not None and night <= latest[1]:
        return ReleaseDue(
            False, f"night {night} is already in release {latest[0]}", str(night), latest[0]
        )
    version = latest[0] if latest else None
    if manual:
        return ReleaseDue(True, "triggered by hand", str(night), version)
    if every_days <= 0:
        return ReleaseDue(
            False, f"automatic releases are off ({EVERY_DAYS_VARIABLE} unset or 0)",
            str(night), version,
        )  # fmt: skip
    if latest is not None and latest[1] is not None:
        gap = (night - latest[1]).days
        if gap < every_days:
            return ReleaseDue(
                False, f"{gap} days since release {latest[0]}, fewer than {every_days}",
                str(night), version,
            )  # fmt: skip
    return ReleaseDue(True, f"due every {every_days} days", str(night), version)


def cut_release(url: str) -> dict:
    """Cut, check and publish the next release; raises when its checks failed (the task
    fails visibly, and the previous release stays release_latest)."""
    from quality.releases import create_release

    outcome = create_release(url)
    c = outcome.cut
    if not outcome.published:
        failed = ", ".join(o.check_id for o in outcome.report.failed_critical[:5])
        raise RuntimeError(f"release {c.version} not published: critical checks failed: {failed}")
    out = {
        "version": c.version,
        "schema": c.schema,
        "night_of": c.night_of.isoformat() if isinstance(c.night_of, date) else None,
        "participants": c.participants,
        "tables": c.tables,
        "cut_seconds": round(c.seconds, 2),
    }
    log.info("published %s from the night of %s", c.schema, out["night_of"])
    return out
