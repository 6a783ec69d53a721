"""`make demo` (`python -m demo`): simulate a programme, run the real DAGs night by night,
check the result.

What it does, in order (each step prints what it is doing and how long it took):
1. a fresh demo warehouse database (`gwh_demo` on the server the project rule chooses);
2. a simulated programme under `.gwh/demo/` (landing area + ground truth);
3. Airflow's own metadata in SQLite under `.gwh/airflow` (migrated once), the writers pool;
4. for each simulated night, `airflow dags test gwh_nightly <night>`: the same DAG the
   scheduler runs, in-process; after a night that delivered PanelApp panels, the
   reanalysis DAG the panel Asset would trigger;
5. a one-screen summary read back from the warehouse (rows loaded and quarantined per feed,
   genomes, tiers, data quality, reporting tables), each figure compared with the
   simulator's ground truth; the exit code is non-zero if any comparison fails.

Why subprocesses for Airflow: `airflow dags test` is the documented quick path and keeps
Airflow's configuration (AIRFLOW_HOME, SQLite) out of this process; the warehouse URL, the
landing root and the demo pseudonymisation flag reach the tasks through the environment.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from gwh.console import make_console
from warehouse.config import DEMO_DATABASE, PROJECT_ROOT, state_dir

NIGHTLY = "gwh_nightly"
REANALYSIS = "gwh_reanalysis"
RELEASE = "gwh_release"
#: The example a researcher would run first on the release the demo cuts (LabKey SQL as the
#: programme's documentation writes it: year() and curdate() are release functions).
EXAMPLE_QUERY = (
    "SET search_path = release_latest;\n"
    "SELECT programme, count(*) AS participants, "
    "min(year(curdate()) - year_of_birth) AS youngest_age FROM participant GROUP BY programme;"
)


@dataclass
class Check:
    """One figure of the summary compared with the simulator's ground truth."""

    what: str
    warehouse: object
    truth: object

    @property
    def ok(self) -> bool:
        return self.warehouse == self.truth


@dataclass
class DemoResult:
    nights: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


# ---------------------------------------------------------------------------------------
# Airflow environment


def airflow_env(
    airflow_home: Path, warehouse_url: str, landing: Path, outbox: Path
) -> dict[str, str]:
    """Environment for `airflow` subprocesses: SQLite metadata, our DAGs, the demo warehouse.

    GWH_DEMO_KEY=1 makes the load task use the published demo pseudonymisation key (the
    simulated NHS numbers are test-range numbers); GWH_TASK_RETRIES=0 makes a broken demo
    fail at once instead of waiting through retry back-off; Cosmos telemetry is off because
    the demo must not call out to the internet.
    """
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "WAREHOUSE_URL": warehouse_url,
            "GWH_LANDING": str(landing),
            "GWH_OUTBOX": str(outbox),
            "GWH_DEMO_KEY": "1",
            "GWH_TASK_RETRIES": "0",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    return env


def _airflow(env: dict[str, str], *args: str, log: Path) -> int:
    exe = Path(sys.executable).with_name("airflow")
    with log.open("a", encoding="utf-8") as fh:
        fh.write(f"\n$ airflow {' '.join(args)}\n")
        fh.flush()
        return subprocess.run(
            [str(exe), *args], env=env, stdout=fh, stderr=subprocess.STDOUT, check=False
        ).returncode


def prepare_airflow(env: dict[str, str], log: Path) -> None:
    """Migrate Airflow's SQLite metadata (once) and create the warehouse-writers pool."""
    from orchestration.policy import WRITERS_POOL, WRITERS_POOL_SLOTS

    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if _airflow(env, "db", "migrate", log=log) != 0:
        raise RuntimeError(f"airflow db migrate failed: see {log}")
    rc = _airflow(
        env,
        "pools",
        "set",
        WRITERS_POOL,
        str(WRITERS_POOL_SLOTS),
        "concurrent writers to the warehouse",
        log=log,
    )
    if rc != 0:
        raise RuntimeError(f"airflow pools set failed: see {log}")


def ensure_manifest(log: Path) -> Path:
    """The dbt manifest Cosmos renders the DAG from (`make` builds it; rebuilt if absent)."""
    from orchestration.dbt_group import DBT_MANIFEST

    if not DBT_MANIFEST.is_file():
        dbt = Path(sys.executable).with_name("dbt")
        with log.open("a", encoding="utf-8") as fh:
            subprocess.run(
                [str(dbt), "parse", "--project-dir", "dbt", "--profiles-dir", "dbt"],
                cwd=PROJECT_ROOT,
                stdout=fh,
                stderr=subprocess.STDOUT,
                check=True,
            )
    return DBT_MANIFEST


def run_dag(env: dict[str, str], dag_id: str, day: str | None, log: Path, progress=None) -> bool:
    """`airflow dags test DAG [DAY]`; True when the run ended successful.

    While it runs, the number of finished tasks is read from its log for the progress line.
    """
    exe = Path(sys.executable).with_name("airflow")
    args = [str(exe), "dags", "test", dag_id] + ([day] if day else [])
    start = log.stat().st_size if log.exists() else 0
    with log.open("a", encoding="utf-8") as fh:
        proc = subprocess.Popen(args, env=env, stdout=fh, stderr=subprocess.STDOUT)
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(1.0):
                if progress is not None:
                    progress(_count_tasks(log, start))

        t = threading.Thread(target=watch, daemon=True)
        t.start()
        rc = proc.wait()
        stop.set()
        t.join()
    text = _read_from(log, start)
    return rc == 0 and "state=success" in text and "DagRun failed" not in text


def _read_from(log: Path, offset: int) -> str:
    with log.open("rb") as fh:
        fh.seek(offset)
        return fh.read().decode("utf-8", errors="replace")


def _count_tasks(log: Path, offset: int) -> int:
    return _read_from(log, offset).count("[DAG TEST] end task")


def panel_nights(landing: Path) -> set[str]:
    """Nights with a complete PanelApp delivery (what triggers the reanalysis DAG)."""
    base = landing / "panelapp"
    if not base.is_dir():
        return set()
    return {p.name for p in base.iterdir() if (p / "_SUCCESS").is_file()}


# ---------------------------------------------------------------------------------------
# summary and ground truth


def _one(conn: psycopg.Connection, query: str, params: tuple = ()) -> object:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def _table_exists(conn: psycopg.Connection, name: str) -> bool:
    return bool(_one(conn, "select to_regclass(%s) is not null", (name,)))


def feed_rows(conn: psycopg.Connection) -> list[tuple]:
    """Per feed from the ledger: files, rows delivered, loaded, quarantined, excluded."""
    return conn.execute(
        """
        select feed, count(*) filter (where kind <> 'vcf'),
               coalesce(sum(rows_delivered) filter (where kind <> 'vcf'), 0),
               coalesce(sum(rows_loaded) filter (where kind <> 'vcf'), 0),
               coalesce(sum(rows_quarantined) filter (where kind <> 'vcf'), 0),
               coalesce(sum(rows_excluded) filter (where kind <> 'vcf'), 0),
               count(*) filter (where status in ('quarantined', 'refused'))
        from ledger.files group by feed order by feed
        """
    ).fetchall()


def withdrawn_no_further_use(landing: Path) -> set[str]:
    """Referral ids withdrawn with `no_further_use` in the delivered withdrawals files."""
    out: set[str] = set()
    for path in sorted((landing / "withdrawals").glob("*/withdrawals.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                if r.get("withdrawal_option") == "no_further_use":
                    out.add(r["referral_id"])
    return out


def ground_truth_checks(url: str, demo_dir: Path) -> list[Check]:
    """Compare warehouse figures with ground_truth/ (simulated with defects=0)."""
    truth_dir = demo_dir / "ground_truth"
    landing = demo_dir / "landing"
    cohort = json.loads((truth_dir / "cohort.json").read_text(encoding="utf-8"))
    withdrawn = withdrawn_no_further_use(landing)
    checks: list[Check] = []
    with psycopg.connect(url) as conn:
        active = sum(v["active"] for v in cohort["participants_per_programme"].values())
        if _table_exists(conn, "marts.dim_participant"):
            checks.append(
                Check(
                    "participants in marts.dim_participant (consented, not withdrawn)",
                    _one(conn, "select count(*) from marts.dim_participant"),
                    active,
                )
            )
        checks.append(
            Check(
                "VCF files summarised",
                _one(
                    conn,
                    "select count(*) from ledger.files where kind = 'vcf' and status = 'loaded'",
                ),
                cohort["vcf_files"],
            )
        )
        for key, n in sorted(cohort["hes"]["rows_per_file"].items()):
            checks.append(
                Check(
                    f"HES rows delivered in hes/{key} (loaded + quarantined)",
                    _one(
                        conn,
                        "select coalesce(sum(rows_loaded + rows_quarantined), 0) "
                        "from ledger.files where path = %s",
                        (f"hes/{key}",),
                    ),
                    n,
                )
            )
        checks.append(
            Check(
                "ONS death rows loaded",
                _one(
                    conn,
                    "select coalesce(sum(rows_loaded), 0) from ledger.files "
                    "where feed = 'mortality'",
                ),
                cohort["deaths"],
            )
        )
        checks.append(
            Check(
                "withdrawal rows loaded",
                _one(
                    conn,
                    "select coalesce(sum(rows_loaded), 0) from ledger.files "
                    "where feed = 'withdrawals'",
                ),
                sum(cohort["withdrawals"].values()),
            )
        )
        # Without planted defects the only rows to quarantine are re-deliveries (HES is
        # year to date) of participants withdrawn on an earlier night.
        checks.append(
            Check(
                "rows quarantined for a reason other than a withdrawal (no defects simulated)",
                _one(
                    conn,
                    "select count(*) from quarantine.rows where reason <> 'withdrawn_participant'",
                ),
                0,
            )
        )
        tiers = {
            (f, c, int(p), r, a, v): t
            for f, c, p, r, a, v, t in conn.execute(
                "select family_id, chrom, pos, ref, alt, panel_version, min(tier) "
                "from raw.variant_tiers group by 1, 2, 3, 4, 5, 6"
            )
        }
    # planted_variants.csv has one row per variant and panel version (the tier expected under
    # that version); the newest version's row is the variant's current expected tier.
    newest: dict[tuple, dict] = {}
    with (truth_dir / "planted_variants.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["proband_referral_id"] in withdrawn:
                continue  # removed everywhere by the withdrawal
            key = (r["family_id"], r["chrom"], int(r["pos"]), r["ref"], r["alt"])
            if key not in newest or _version(r["panel_version"]) > _version(
                newest[key]["panel_version"]
            ):
                newest[key] = r
    expected = len(newest)
    found = sum(
        1
        for key, r in newest.items()
        if tiers.get((*key, r["panel_version"])) == int(r["expected_tier"])
    )
    checks.append(Check("planted variants found at their expected tier", found, expected))
    return checks


def _version(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(".") if x.isdigit())


def warehouse_tables(url: str, schema: str) -> list[tuple[str, int]]:
    """(table, rows) for every base table of a schema."""
    from psycopg import sql

    with psycopg.connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = %s and table_type = 'BASE TABLE' order by 1",
                (schema,),
            )
        ]
        return [
            (
                n,
                conn.execute(
                    sql.SQL("select count(*) from {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(n)
                    )
                ).fetchone()[0],
            )
            for n in names
        ]


def tier_counts(url: str) -> dict[int, int]:
    """Distinct variants per family at their best tier."""
    with psycopg.connect(url) as conn:
        return dict(
            conn.execute(
                "select tier, count(*) from (select family_id, chrom, pos, ref, alt, "
                "min(tier) as tier from raw.variant_tiers group by 1, 2, 3, 4, 5) t "
                "group by tier order by tier"
            ).fetchall()
        )


def dq_results(url: str) -> list[tuple[str, int]]:
    """Rows per table in the `dq` schema (the data-quality helper's results)."""
    return warehouse_tables(url, "dq")


def render_summary(result: DemoResult, url: str, demo_dir: Path, console) -> None:
    """One screen: feeds, genomes, tiers, data quality, reporting, ground truth, next steps."""
    from rich.table import Table

    with psycopg.connect(url) as conn:
        feeds = feed_rows(conn)
        genomes = _one(conn, "select count(*) from raw.variant_summaries")
        samples = _one(conn, "select count(*) from raw.variant_sample_stats")
    t = Table(title=f"demo: {len(result.nights)} nights ({', '.join(result.nights)})")
    for col in ("feed", "files", "rows delivered", "loaded", "quarantined", "excluded"):
        t.add_column(col, justify="left" if col == "feed" else "right")
    for feed, files, delivered, loaded, quarantined, excluded, _ in feeds:
        if feed == "sequencing" and not files:
            continue
        t.add_row(
            feed, str(files), f"{delivered:,}", f"{loaded:,}", f"{quarantined:,}", f"{excluded:,}"
        )
    console.print(t)
    tiers = tier_counts(url)
    console.print(
        f"genomes summarised: {genomes} VCFs, {samples} samples; tiered variants: "
        + ", ".join(f"tier {k}: {v}" for k, v in sorted(tiers.items()))
    )
    dq = dq_results(url)
    console.print(
        "data quality (schema dq): "
        + (", ".join(f"{n} {c} rows" for n, c in dq) if dq else "no results recorded")
    )
    rep = warehouse_tables(url, "reporting")
    console.print(
        f"reporting tables ({len(rep)}): " + ", ".join(f"{n} ({c})" for n, c in rep)
        if rep
        else "reporting: no tables promoted"
    )
    g = Table(title="compared with the simulator's ground truth")
    for col in ("figure", "warehouse", "ground truth", ""):
        g.add_column(col, justify="left" if col == "figure" else "right")
    for c in result.checks:
        g.add_row(c.what, str(c.warehouse), str(c.truth), "[green]ok[/]" if c.ok else "[red]NO[/]")
    console.print(g)
    steps = ", ".join(f"{k} {v:.0f}s" for k, v in result.seconds.items())
    console.print(f"time: {steps}")
    console.print(
        f"landing area: {demo_dir / 'landing'}; ground truth: {demo_dir / 'ground_truth'}; "
        f"reanalysis lists: {demo_dir / 'outbox'}; Airflow logs: {demo_dir / 'logs'}"
    )
    console.print(
        f"warehouse: {_redacted(url)}; dashboard: `make dashboard`, then open http://127.0.0.1:8050"
    )


def _redacted(url: str) -> str:
    from gwh.commands.db import _redacted as redact

    return redact(url)


# ---------------------------------------------------------------------------------------
# the command


def run_demo(
    participants: int = 200,
    nights: int = 3,
    seed: int = 42,
    database: str = DEMO_DATABASE,
    console=None,
) -> DemoResult:
    """Everything `make demo` does; returns the per-step times and ground-truth checks."""

    from simulator.simulate import simulate
    from warehouse import db

    console = console or make_console()
    home = state_dir()
    demo_dir = home / "demo"
    logs = demo_dir / "logs"
    seconds: dict[str, float] = {}

    t0 = time.monotonic()
    url = db.with_database(db.resolve_server().url, database)
    db.drop_database(url)
    db.ensure_database(url)
    db.init_db(url)
    seconds["warehouse"] = time.monotonic() - t0
    console.print(f"warehouse: fresh database {_redacted(url)}")

    t0 = time.monotonic()
    if demo_dir.exists():
        shutil.rmtree(demo_dir)
    simulate(demo_dir, participants=participants, seed=seed, nights=nights, console=console)
    logs.mkdir(parents=True, exist_ok=True)
    seconds["simulate"] = time.monotonic() - t0
    truth = json.loads((demo_dir / "ground_truth" / "cohort.json").read_text("utf-8"))
    night_list: list[str] = truth["nights"]

    t0 = time.monotonic()
    setup_log = logs / "airflow-setup.log"
    ensure_manifest(setup_log)
    env = airflow_env(home / "airflow", url, demo_dir / "landing", demo_dir / "outbox")
    with console.status("Airflow: migrating its SQLite metadata, creating the pool"):
        prepare_airflow(env, setup_log)
    seconds["airflow set-up"] = time.monotonic() - t0
    panels = panel_nights(demo_dir / "landing")

    for night in night_list:
        t0 = time.monotonic()
        log = logs / f"{NIGHTLY}-{night}.log"
        with console.status(f"{NIGHTLY} {night}: starting") as status:

            def show(n: int, night: str = night, status=status) -> None:
                status.update(f"{NIGHTLY} {night}: {n} tasks finished")

            ok = run_dag(env, NIGHTLY, night, log, progress=show)
        seconds[f"night {night}"] = time.monotonic() - t0
        console.print(
            f"{NIGHTLY} {night}: {'success' if ok else 'FAILED'} in "
            f"{seconds[f'night {night}']:.0f}s (log {log})"
        )
        if not ok:
            raise RuntimeError(f"{NIGHTLY} {night} failed: see {log}")
        # The first night's genomes are tiered against the panels loaded that same night, so
        # re-tiering then finds nothing; later panel deliveries are what reanalysis is for.
        if night in panels and night != night_list[0]:
            t0 = time.monotonic()
            rlog = logs / f"{REANALYSIS}-{night}.log"
            ok = run_dag(env, REANALYSIS, None, rlog)
            seconds[f"reanalysis {night}"] = time.monotonic() - t0
            console.print(
                f"{REANALYSIS} (PanelApp delivery {night}): {'success' if ok else 'FAILED'}"
            )
            if not ok:
                raise RuntimeError(f"{REANALYSIS} after {night} failed: see {rlog}")

    # A research data release of the last night (by hand, as a data manager would cut it).
    t0 = time.monotonic()
    rlog = logs / f"{RELEASE}.log"
    with console.status(f"{RELEASE}: cutting a release of the night of {night_list[-1]}"):
        # `dags test` runs are not marked manual in every Airflow version: a cadence of one
        # day makes the release due either way (the night is promoted and not yet released).
        ok = run_dag({**env, "AIRFLOW_VAR_GWH_RELEASE_EVERY_DAYS": "1"}, RELEASE, None, rlog)
    seconds["release"] = time.monotonic() - t0
    if not ok:
        raise RuntimeError(f"{RELEASE} failed: see {rlog}")

    result = DemoResult(night_list, seconds, ground_truth_checks(url, demo_dir))
    render_summary(result, url, demo_dir, console)
    render_release(url, console)
    return result


def render_release(url: str, console) -> None:
    """Where the release is and one example query a researcher can paste, with its answer."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select version, schema_name, night_of, participants from release_admin.releases "
            "order by version desc limit 1"
        ).fetchone()
        if row is None:
            console.print("research release: none published")
            return
        conn.execute("set search_path = release_latest")
        answer = conn.execute(EXAMPLE_QUERY.split(";", 1)[1]).fetchall()
    version, schema, night, participants = row
    console.print(
        f"research release {version}: schema [bold]{schema}[/bold] (views in release_latest), "
        f"night of {night}, {participants} participants; read as role gwh_researcher; "
        f"`gwh release notes {version}` for its notes"
    )
    console.print(f"example query (psql {_redacted(url)}):\n{EXAMPLE_QUERY}")
    console.print("  " + "; ".join(f"{p}: {n} participants, youngest {a}" for p, n, a in answer))
