"""Publishing a research release only if it passes its data-quality suite.

The one path from the marts to a published release, used by `gwh release create` and the
`gwh_release` DAG: build the release views (dbt), cut them into `release_vN` from one
snapshot, run the `release` suite on the cut, then publish it, or discard it when a
critical check failed (the previous release stays `release_latest`). It lives with the data
quality gate for the same reason `promote_if_clean` does: the gate decides what is
published.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from governance.releases import cut as releases
from quality import runner
from warehouse.dbt_runner import run_dbt


@dataclass
class ReleaseOutcome:
    cut: releases.Cut
    report: runner.DqReport
    published: bool


def build_release_views(url: str) -> None:
    """(Re)build the release layer's views in release_build from the current models."""
    run_dbt(["run", "--select", "release", "--quiet"], url)


class UnpromotedNight(RuntimeError):
    """The marts hold a night whose data-quality checks failed (never promoted)."""


def marts_are_promoted(conn: psycopg.Connection) -> str | None:
    """Why the marts must not be released now, or None when they may.

    dbt rebuilds the marts before the night's gate runs; a night whose checks failed leaves
    its marts behind while the reporting layer stays on the last good night. A release is
    cut only when the newest nightly checkpoint run passed every stage (a warehouse whose
    checks have never run, as in a hand-built one, is not held back).
    """
    failed = conn.execute(
        "select run_id, string_agg(stage, ', ' order by stage) from dq.checkpoint_runs "
        "where run_id = (select run_id from dq.checkpoint_runs where stage <> 'release' "
        "order by finished_at desc limit 1) and stage <> 'release' and not success "
        "group by run_id"
    ).fetchone()
    if failed is None:
        return None
    return (
        f"the newest night (run {failed[0]}) failed its {failed[1]} checks and was not "
        "promoted: a release is cut only from a promoted night"
    )


def create_release(
    url: str, *, docs_dir: Path | None = None, build_views: bool = True
) -> ReleaseOutcome:
    """Cut the next release from the current marts and publish it if its checks pass.

    Raises UnpromotedNight, cutting nothing, when the marts hold a night that failed its
    data-quality gate."""
    with psycopg.connect(url) as conn:
        refusal = marts_are_promoted(conn)
    if refusal:
        raise UnpromotedNight(refusal)
    if build_views:
        build_release_views(url)
    with psycopg.connect(url, autocommit=True) as conn:
        c = releases.cut(conn)
    try:
        report = runner.validate(url, "release", docs_dir=docs_dir, release_schema=c.schema)
    except BaseException:
        with psycopg.connect(url, autocommit=True) as conn:
            releases.discard(conn, c)
        raise
    with psycopg.connect(url, autocommit=True) as conn:
        if report.failed_critical:
            releases.discard(conn, c)
            return ReleaseOutcome(c, report, published=False)
        try:
            releases.publish(conn, c)
        except BaseException:
            releases.discard(conn, c)
            raise
    return ReleaseOutcome(c, report, published=True)
