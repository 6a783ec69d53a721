"""Plain-Python steps the nightly DAG calls, one function per task.

Why a module of its own: the DAG files in `dags/` must stay thin (no logic, no I/O at parse
time) and everything a task does must be testable without Airflow. Each function here takes
the warehouse URL and the landing root explicitly, returns small JSON-serialisable results
(they travel as XCom) and never returns or logs an NHS number or a date of birth.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import date
from pathlib import Path

import psycopg

from orchestration.nights import as_date, due_by

log = logging.getLogger(__name__)

#: Environment variable `make demo` sets to load with the published demo pseudonymisation key.
DEMO_KEY_ENV = "GWH_DEMO_KEY"


def warehouse_url() -> str:
    """The warehouse, resolved by the project rule (inside a running task, never at parse)."""
    from warehouse import db

    return db.warehouse_url()


def demo_key() -> bool:
    """Whether this run loads with the published demo key (`GWH_DEMO_KEY=1`, set by the demo
    for its simulated, test-range NHS numbers); production leaves it unset."""
    return os.environ.get(DEMO_KEY_ENV) == "1"


# ---------------------------------------------------------------------------------------
# loading the feeds


def load_night(
    landing: Path,
    url: str,
    night: date | str,
    feeds: list[str] | None = None,
    *,
    demo_key: bool = False,
) -> dict:
    """Load every complete delivery due by `night` (feed order), like `gwh load` but bounded.

    It is `loaders.ingest.load_landing` (same Run, same feed modules, same ledger),
    restricted to the night's folders, so a later night's deliveries already sitting in the
    landing area are not loaded early. Returns the load
    report as a dict (per-feed files and rows by outcome; no identifiers).
    """
    from loaders.ingest import load_landing

    night = as_date(night)
    report = load_landing(
        Path(landing), url, feeds, demo_key=demo_key, due=lambda d: due_by(d, night)
    )
    out = report.to_dict()
    out["night"] = night.isoformat()
    log.info(
        "night %s: %d files (%d failed)",
        night.isoformat(),
        len(report.files),
        len(report.failed),
    )
    if report.failed:
        # The ledger recorded these as failed; the task fails so Airflow retries the night.
        shown = "; ".join(f"{f.path}: {f.message}" for f in report.failed[:5])
        raise RuntimeError(f"{len(report.failed)} files failed to load: {shown}")
    return out


# ---------------------------------------------------------------------------------------
# genomes


def night_genomes(landing: Path, url: str, night: date | str) -> list[dict[str, str]]:
    """The VCFs a night still has to summarise and tier: one dict per genome, for `.expand`.

    Every VCF listed in the manifest of a complete sequencing delivery due by `night` whose
    ledger row is not final yet (not loaded/quarantined/refused). A VCF the sequencing loader
    already quarantined for a checksum mismatch is therefore not mapped.
    """
    from loaders.genomes import genome_files
    from loaders.ingest import discover

    night = as_date(night)
    landing = Path(landing).resolve()
    deliveries, _ = discover(landing, ["sequencing"])
    todo: list[dict[str, str]] = []
    with psycopg.connect(url) as conn:
        done = {
            r[0]
            for r in conn.execute(
                "select path from ledger.files where kind = 'vcf' "
                "and status in ('loaded', 'quarantined', 'refused', 'duplicate')"
            )
        }
    for d in deliveries:
        if not d.complete or not due_by(d, night):
            continue
        if not (d.abs_path / "manifest.csv").is_file():
            continue
        for name in genome_files(d.abs_path):
            if f"{d.rel_path}/{name}" not in done:
                todo.append({"delivery": d.rel_path, "file_name": name})
    log.info("night %s: %d genomes to process", night.isoformat(), len(todo))
    return todo


def process_night_genome(landing: Path, url: str, genome: dict[str, str]) -> dict:
    """Summarise, extract candidates from and tier one genome (a mapped task instance).

    A genome whose file is bad is quarantined by the ledger and reported, not raised: that
    is an outcome. Only `failed` (the ledger could not record the file) raises, so that
    Airflow retries this genome alone.
    """
    from loaders.genomes import process_genome

    landing = Path(landing)
    r = process_genome(url, landing, landing / genome["delivery"], genome["file_name"])
    out = {
        "delivery": genome["delivery"],
        "file_name": r.file_name,
        "status": r.status,
        "reason": r.reason,
        "records": r.records,
        "samples": r.samples,
        "candidates": r.candidates,
        "tiers": {str(k): v for k, v in sorted(r.tiers.items())},
        "seconds": round(r.seconds, 2),
    }
    if r.status == "failed":
        raise RuntimeError(f"{genome['delivery']}/{r.file_name}: failed: {r.message}")
    return out


def summarise_genomes(results: list[dict]) -> dict:
    """Fold the mapped genome results into one line for the log and the next tasks."""
    status: Counter = Counter()
    tiers: Counter = Counter()
    for r in results:
        status[r["status"]] += 1
        tiers.update({f"tier_{k}": v for k, v in r.get("tiers", {}).items()})
    return {"genomes": len(results), "status": dict(status), "tiers": dict(tiers)}


# ---------------------------------------------------------------------------------------
# data quality, reporting, withdrawals


def data_quality(url: str, stage: str, run_id: str) -> dict:
    """Run the data-quality checkpoint of `stage` (quality.runner); a critical failure raises.

    `CriticalExpectationFailed` propagates so the task fails and nothing downstream (the
    reporting promotion) runs: a failed night leaves the last good reporting state. The
    Airflow run id is the checkpoint run id, so the promotion can check the whole night.
    """
    from quality.runner import run_checkpoint

    report = run_checkpoint(url, stage, run_id=run_id)
    counts = Counter("passed" if o.success else f"failed_{o.severity}" for o in report.outcomes)
    out = {"stage": stage, "run_id": run_id, "expectations": len(report.outcomes), **counts}
    log.info("data quality %s: %s", stage, out)
    return out


def promote(url: str, run_id: str) -> dict:
    """Move the dbt-built reporting tables into `reporting` (warehouse.promote), but only if
    every data-quality checkpoint of this night's run passed (a second guard besides the
    task dependencies: a manual rerun of this task alone cannot publish past a failure)."""
    from warehouse.promote import promote_reporting

    with psycopg.connect(url) as conn:
        ran = dict(
            conn.execute(
                "select stage, success from dq.checkpoint_runs where run_id = %s", (run_id,)
            ).fetchall()
        )
        failed = sorted(stage for stage, ok in ran.items() if not ok)
        if failed or "marts" not in ran:
            why = f"checkpoint(s) {', '.join(failed)} failed" if failed else "no marts check"
            raise RuntimeError(f"run {run_id}: {why}; reporting is not promoted")
        p = promote_reporting(conn)
    return {"tables": p.tables, "replaced": p.replaced}


def withdrawals(url: str, landing: Path, *, demo_key: bool = False) -> dict:
    """Apply every loaded consent withdrawal not yet applied, everywhere (governance.withdrawal)."""
    from governance.withdrawal import process_withdrawals
    from loaders.pseudonymise import resolve_key

    report = process_withdrawals(url, Path(landing), key=resolve_key(None, demo=demo_key))
    by_option = Counter(o.withdrawal_option for o in report.applied)
    return {
        "applied": len(report.applied),
        "by_option": dict(by_option),
        "already_applied": report.already_applied,
        "rows_removed": report.rows_removed,
        "summary": report.summary(),
    }


# ---------------------------------------------------------------------------------------
# dbt connection for Cosmos tasks

_DBT_ENV_CACHE: dict[str, dict[str, str]] = {}


def dbt_env_value(name: str) -> str:
    """One GWH_DB_* variable for dbt, from the warehouse resolved at task run time.

    Registered as the DAG macro `gwh_dbt_env`: Cosmos renders the dbt tasks' `env` with it
    when the task runs, never when the DAG is parsed. Cached per process and per
    WAREHOUSE_URL so that rendering the five variables resolves the server once.
    """
    from warehouse import db
    from warehouse.dbt_runner import dbt_env

    key = os.environ.get("WAREHOUSE_URL", "")
    if key not in _DBT_ENV_CACHE:
        env = dbt_env(db.warehouse_url())
        # A URL without a password (the rule in .env.example) leaves it to the environment.
        if not env["GWH_DB_PASSWORD"]:
            env["GWH_DB_PASSWORD"] = os.environ.get(
                "GWH_DB_PASSWORD", os.environ.get("PGPASSWORD", "")
            )
        _DBT_ENV_CACHE[key] = env
    return _DBT_ENV_CACHE[key][name]
