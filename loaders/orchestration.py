"""Plain-Python steps the Airflow DAGs call, one function per task.

Why a module of its own: the DAG files in `dags/` must stay thin (no logic, no I/O at parse
time) and everything a task does must be testable without Airflow. Each function here takes
the warehouse URL and the landing root explicitly, returns small JSON-serialisable results
(they travel as XCom) and never returns or logs an NHS number or a date of birth.

A *night* is identified by its logical date. The deliveries of a night are the complete
delivery folders dated on or before it (monthly HES/ONS folders `YYYY-MM` count from the
first of their month) that the ledger has not finished yet; so running the nights of a
backfill in order, or one late night that catches up several, ends in the same warehouse:
the ledger's exactly-once rule makes every step idempotent.
"""

from __future__ import annotations

import csv
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from loaders.config import PROJECT_ROOT, state_dir

log = logging.getLogger(__name__)

#: Environment variable naming the landing root the DAGs read.
LANDING_ENV = "GWH_LANDING"
#: Environment variable naming where published lists (reanalysis results) are written.
OUTBOX_ENV = "GWH_OUTBOX"

#: Pool that bounds concurrent writers to the warehouse (created by `gwh demo` and by the
#: compose init service); defined here so callers need not import Airflow to know it.
WRITERS_POOL = "gwh_warehouse_writers"
WRITERS_POOL_SLOTS = 4

#: The dbt project and the manifest Cosmos renders the DAG from (built at set-up by make).
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"

#: Feeds whose delivery folders are named by month (YYYY-MM), not by day.
MONTHLY_FEEDS = frozenset({"hes", "mortality"})


def landing_root() -> Path:
    """The landing area the DAGs read: `GWH_LANDING`, default `.gwh/landing`."""
    return Path(os.environ.get(LANDING_ENV) or state_dir() / "landing").resolve()


def outbox_root() -> Path:
    """Where lists for GMCs are published: `GWH_OUTBOX`, default `.gwh/outbox`."""
    return Path(os.environ.get(OUTBOX_ENV) or state_dir() / "outbox").resolve()


def as_date(value: date | str) -> date:
    """A logical date from Airflow (date, datetime or ISO string) as a date."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if hasattr(value, "date"):
        return value.date()  # a datetime/pendulum DateTime
    return value


def night_of(dag_run) -> date:
    """The night a DAG run processes: its logical date, or (a manual run triggered without
    one, as Airflow 3 allows) the date it was triggered for, `run_after`."""
    when = getattr(dag_run, "logical_date", None) or getattr(dag_run, "run_after", None)
    if when is None:
        raise ValueError("the DAG run has neither a logical date nor run_after")
    return as_date(when)


def due_by(delivery, night: date) -> bool:
    """Whether a delivery folder belongs to the nights up to and including `night`.

    Daily folders are due on their date; monthly folders (HES, ONS) from the first day of
    their month, because the monthly extract is delivered on that month's night while the
    ledger dates it at the month's end (the last day its events may fall on).
    """
    if delivery.feed in MONTHLY_FEEDS:
        return (delivery.delivery_date.year, delivery.delivery_date.month) <= (
            night.year,
            night.month,
        )
    return delivery.delivery_date <= night


# ---------------------------------------------------------------------------------------
# waiting for deliveries


@dataclass
class Readiness:
    """What the sensor saw in the landing area for a night."""

    night: str
    complete: int = 0
    incomplete: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Ready when something is due and nothing due is still being written."""
        return self.complete > 0 and not self.incomplete

    def to_dict(self) -> dict:
        return {
            "night": self.night,
            "complete": self.complete,
            "incomplete": self.incomplete,
            "ready": self.ready,
        }


def check_deliveries(landing: Path, night: date | str) -> Readiness:
    """Count the night's due delivery folders, complete (`_SUCCESS`) or still being written.

    Reads only folder names and `_SUCCESS` markers; the sensor pokes this until `ready`.
    """
    from loaders.ingest import discover

    night = as_date(night)
    landing = Path(landing)
    out = Readiness(night.isoformat())
    if not landing.is_dir():
        out.warnings.append(f"landing area {landing} does not exist")
        return out
    deliveries, warnings = discover(landing)
    out.warnings.extend(warnings)
    for d in deliveries:
        if not due_by(d, night):
            continue
        if d.complete:
            out.complete += 1
        else:
            out.incomplete.append(d.rel_path)
    return out


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
    from loaders.ingest import discover
    from loaders.variants.load import genome_files

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
    from loaders.variants.load import process_genome

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
    """Run the data-quality checkpoint of `stage` (loaders.dq); a critical failure raises.

    `CriticalExpectationFailed` propagates so the task fails and nothing downstream (the
    reporting promotion) runs: a failed night leaves the last good reporting state. The
    Airflow run id is the checkpoint run id, so the promotion can check the whole night.
    """
    from loaders.dq import run_checkpoint

    report = run_checkpoint(url, stage, run_id=run_id)
    counts = Counter("passed" if o.success else f"failed_{o.severity}" for o in report.outcomes)
    out = {"stage": stage, "run_id": run_id, "expectations": len(report.outcomes), **counts}
    log.info("data quality %s: %s", stage, out)
    return out


def promote(url: str, run_id: str) -> dict:
    """Move the dbt-built reporting tables into `reporting` (loaders.promote), but only if
    every data-quality checkpoint of this night's run passed (a second guard besides the
    task dependencies: a manual rerun of this task alone cannot publish past a failure)."""
    from loaders.promote import promote_reporting

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
    """Apply every loaded consent withdrawal not yet applied, everywhere (loaders.withdraw)."""
    from loaders.pseudonymise import resolve_key
    from loaders.withdraw import process_withdrawals

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
# reanalysis


def newest_panels(url: str) -> tuple[str | None, list]:
    """The newest loaded panelapp delivery (its date) and the newest version of each panel.

    Re-tiering reads panels from the raw layer (loaded through the ledger), never a file the
    loader has not validated.
    """
    from loaders.variants.load import panels_from_db

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select max(d.delivery_date) from ledger.deliveries d "
            "join ledger.files f on f.delivery_id = d.delivery_id "
            "where d.feed = 'panelapp' and f.status = 'loaded'"
        ).fetchone()
        panels = panels_from_db(conn)
    return (row[0].isoformat() if row and row[0] else None), panels


REANALYSIS_COLUMNS = [
    "gmc_code",
    "family_id",
    "proband_referral_id",
    "variant",
    "gene_symbol",
    "consequence",
    "tier",
    "segregation",
    "mode_of_inheritance",
    "panel_name",
    "panel_version",
]


def reanalyse(url: str, outbox: Path) -> dict:
    """Re-tier stored candidates against the newest panel versions; publish the new Tier 1/2.

    No VCF is read (loaders.variants.load.retier_all works from raw.variant_candidates).
    The list is written per GMC as `<outbox>/reanalysis/<panel delivery date>/<GMC>.csv`
    (what each GMC acts on), plus `all.csv`; families with a `no_further_contact` or
    `no_further_use` withdrawal are left out, because the list is a recontact list.
    Rewritten whole on each run, so rerunning it publishes the same files.
    """
    from loaders.variants.load import retier_all

    day, panels = newest_panels(url)
    if not panels:
        raise RuntimeError("no PanelApp panels are loaded: nothing to re-tier against")
    newly = retier_all(url, panels)
    with psycopg.connect(url) as conn:
        gmc = dict(
            conn.execute(
                "select distinct on (family_id) family_id, gmc_code "
                "from raw.referrals_participants order by family_id, delivery_date desc"
            ).fetchall()
        )
        excluded = _withdrawn_referrals(conn)
    rows = []
    for t in newly:
        if t.proband_referral_id in excluded:
            continue
        rows.append(
            {
                "gmc_code": gmc.get(t.family_id, "unknown"),
                "family_id": t.family_id,
                "proband_referral_id": t.proband_referral_id,
                "variant": t.variant_key,
                "gene_symbol": t.gene_symbol,
                "consequence": t.consequence,
                "tier": t.tier,
                "segregation": t.segregation,
                "mode_of_inheritance": t.mode_of_inheritance,
                "panel_name": t.panel_name,
                "panel_version": t.panel_version,
            }
        )
    folder = Path(outbox) / "reanalysis" / (day or "undated")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    by_gmc: dict[str, list[dict]] = {}
    for r in rows:
        by_gmc.setdefault(r["gmc_code"], []).append(r)
    for name, items in [("all", rows), *sorted(by_gmc.items())]:
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=REANALYSIS_COLUMNS)
            w.writeheader()
            w.writerows(items)
    log.info(
        "reanalysis against panels of %s: %d variants newly Tier 1/2 in %d families -> %s",
        day,
        len(rows),
        len({r["family_id"] for r in rows}),
        folder,
    )
    return {
        "panel_delivery": day,
        "panels": len(panels),
        "newly_tier_1_2": len(rows),
        "families": len({r["family_id"] for r in rows}),
        "withheld_withdrawn": len(newly) - len(rows),
        "published": str(folder),
    }


def _withdrawn_referrals(conn: psycopg.Connection) -> set[str]:
    """Referral ids with any withdrawal in the raw layer (none when the table is absent)."""
    exists = conn.execute("select to_regclass('raw.withdrawals') is not null").fetchone()[0]
    if not exists:
        return set()
    return {r[0] for r in conn.execute("select distinct referral_id from raw.withdrawals")}


# ---------------------------------------------------------------------------------------
# failure reporting


def failure_summary(context: dict) -> str:
    """One clear line for a failed task: DAG, task (map index), run, try, exception.

    Used by the DAGs' `on_failure_callback`; the exception text comes from the loaders,
    which never put identifiers in messages.
    """
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    map_index = getattr(ti, "map_index", -1)
    try_number = getattr(ti, "try_number", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    exc = context.get("exception")
    where = f"{task_id}[{map_index}]" if map_index is not None and map_index >= 0 else task_id
    return (
        f"GWH FAILURE dag={dag_id} task={where} run={run_id} try={try_number}: "
        f"{type(exc).__name__ if exc else 'error'}: {exc}"
    )


def log_failure(context: dict) -> None:
    """`on_failure_callback`: log the summary at ERROR (alerting hooks read the log)."""
    log.error(failure_summary(context))


# ---------------------------------------------------------------------------------------
# dbt connection for Cosmos tasks

_DBT_ENV_CACHE: dict[str, dict[str, str]] = {}


def dbt_env_value(name: str) -> str:
    """One GWH_DB_* variable for dbt, from the warehouse resolved at task run time.

    Registered as the DAG macro `gwh_dbt_env`: Cosmos renders the dbt tasks' `env` with it
    when the task runs, never when the DAG is parsed. Cached per process and per
    WAREHOUSE_URL so that rendering the five variables resolves the server once.
    """
    from loaders import db
    from loaders.dbt_runner import dbt_env

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
