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


#: Genomes per mapped task, at least: one batch is one task instance, so larger batches cost
#: less scheduling and worker start-up per genome while a failed batch retries only the
#: genomes the ledger has not finished. `GWH_GENOMES_PER_BATCH` overrides it.
GENOMES_PER_BATCH = 8
#: Airflow's default cap on a mapped task's instances ([core] max_map_length).
DEFAULT_MAX_MAP_LENGTH = 1024


def max_map_length() -> int:
    """Airflow's `[core] max_map_length` when running under Airflow, else its default."""
    try:
        from airflow.configuration import conf
    except ImportError:  # pragma: no cover - the platform always ships Airflow
        return DEFAULT_MAX_MAP_LENGTH
    return conf.getint("core", "max_map_length", fallback=DEFAULT_MAX_MAP_LENGTH)


def batch_genomes(
    genomes: list[dict[str, str]], max_batches: int, per_batch: int | None = None
) -> list[list[dict[str, str]]]:
    """Cut the night's genomes into at most `max_batches` batches of at least `per_batch`
    (GENOMES_PER_BATCH by default) consecutive genomes, so a night of any size maps within
    Airflow's cap while a small night still spreads over the workers."""
    if not genomes:
        return []
    if max_batches < 1:
        raise ValueError(f"max_batches must be at least 1, got {max_batches}")
    floor = per_batch or int(os.environ.get("GWH_GENOMES_PER_BATCH", GENOMES_PER_BATCH))
    size = max(1, floor, -(-len(genomes) // max_batches))
    return [genomes[i : i + size] for i in range(0, len(genomes), size)]


def night_genomes(landing: Path, url: str, night: date | str) -> list[dict[str, str]]:
    """The VCFs a night still has to summarise and tier: every VCF named by a loaded
    manifest of a sequencing delivery due by `night` whose ledger row is not final yet.

    Read from the ledger (one query), never from the landing area: only a manifest the
    loader accepted names genomes, and a VCF the sequencing loader already quarantined (a
    checksum mismatch) is not listed.
    """
    from loaders.genomes import pending_genomes

    night = as_date(night)
    with psycopg.connect(url) as conn:
        todo = [g.as_dict() for g in pending_genomes(conn, night)]
    log.info("night %s: %d genomes to process", night.isoformat(), len(todo))
    return todo


def night_genome_batches(
    landing: Path, url: str, night: date | str, max_batches: int | None = None
) -> list[list[dict[str, str]]]:
    """The night's genomes in batches for `.expand`: at most `max_batches` (Airflow's
    max_map_length by default) whatever the night's size."""
    genomes = night_genomes(landing, url, night)
    batches = batch_genomes(genomes, max_batches or max_map_length())
    log.info("%d genomes in %d batches", len(genomes), len(batches))
    return batches


def _genome_outcome(delivery: str, r) -> dict:
    return {
        "delivery": delivery,
        "file_name": r.file_name,
        "status": r.status,
        "reason": r.reason,
        "records": r.records,
        "samples": r.samples,
        "candidates": r.candidates,
        "tiers": {str(k): v for k, v in sorted(r.tiers.items())},
        "seconds": round(r.seconds, 2),
    }


def process_night_genomes(landing: Path, url: str, batch: list[dict[str, str]]) -> dict:
    """Summarise, extract candidates from and tier a batch of genomes (a mapped task).

    Each genome is its own ledger transaction: a bad file is quarantined and reported, not
    raised (that is an outcome). Genomes whose ledger row could not be recorded (`failed`)
    are retried by raising after the whole batch has run, so Airflow retries the batch and
    the ledger skips every genome already finished.
    """
    from loaders.genomes import GenomeRef, process_genomes

    refs = [GenomeRef(g["delivery"], g["file_name"]) for g in batch]
    results = process_genomes(url, Path(landing), refs)
    outcomes = [_genome_outcome(ref.delivery, r) for ref, r in zip(refs, results, strict=True)]
    failed = [o for o in outcomes if o["status"] == "failed"]
    if failed:
        shown = ", ".join(f"{o['delivery']}/{o['file_name']}" for o in failed[:5])
        raise RuntimeError(f"{len(failed)} of {len(batch)} genomes failed: {shown}")
    return summarise_genomes(outcomes)


def process_night_genome(landing: Path, url: str, genome: dict[str, str]) -> dict:
    """One genome (a batch of one); raises when its ledger row could not be recorded."""
    from loaders.genomes import GenomeRef, process_genomes

    ref = GenomeRef(genome["delivery"], genome["file_name"])
    r = process_genomes(url, Path(landing), [ref])[0]
    if r.status == "failed":
        raise RuntimeError(f"{genome['delivery']}/{r.file_name}: failed: {r.message}")
    return _genome_outcome(ref.delivery, r)


def summarise_genomes(results: list[dict]) -> dict:
    """Fold genome outcomes, or batch summaries, into one line for the log and next tasks."""
    status: Counter = Counter()
    tiers: Counter = Counter()
    genomes = 0
    for r in results:
        if "genomes" in r:  # a batch summary
            genomes += r["genomes"]
            status.update(r["status"])
            tiers.update(r["tiers"])
        else:
            genomes += 1
            status[r["status"]] += 1
            tiers.update({f"tier_{k}": v for k, v in r.get("tiers", {}).items()})
    return {"genomes": genomes, "status": dict(status), "tiers": dict(tiers)}


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
