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


def create_release(
    url: str, *, docs_dir: Path | None = None, build_views: bool = True
) -> ReleaseOutcome:
    """Cut the next release from the current marts and publish it if its checks pass."""
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
