"""The programme at its size: nights of N simulated participants through the real nightly DAG,
then a small-delta night and a full rebuild, with every step's cost and its growth with N.

    .venv/bin/python bench/programme_scale.py --participants 2000 20000 100000

For each N: simulate (`gwh simulate`, in a child process: wall, CPU, peak RSS), a fresh
warehouse, then each simulated night through `gwh_nightly` with `dag.test()` in a child
process. Inside that process a sampler thread reads, every 0.2 s, its own resident memory
and CPU time and the CPU time of every PostgreSQL server process; after the run the task
instances' start and end times (Airflow's metadata) cut the samples into steps, so each
step gets wall time, client CPU, server CPU and client peak RSS (the DAG's tasks run one
after another in that process). After the simulated nights comes the *delta night* (the
simulator's last night, about 1% of the programme when `--delta-night` is given), then a
full rebuild (`dbt build --full-refresh` and the three data-quality checkpoints), and the
dashboard's queries (p95 of 10 runs each) on the promoted reporting layer.

Results go to stdout as a table and to `--json`; with several N, growth factors per step
are printed: (cost at N2 / cost at N1) / (N2 / N1), where 1.0 is linear.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warehouse import db  # noqa: E402


def _stat(pid: str) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def process_cpu(pid: str = "self") -> float:
    """CPU seconds (user + system) a process has used."""
    f = _stat(pid)
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float:
    """CPU seconds the local PostgreSQL servers have used, monotonic: each postmaster's own,
    its exited children's (cutime/cstime, added when reaped) and its live children's."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[str, tuple[str, list[str]]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm") as fh:
                comm = fh.read().strip()
            if comm in ("postgres", "postmaster"):
                procs[pid] = (comm, _stat(pid))
        except OSError:
            continue
    total = 0.0
    for _pid, (_comm, f) in procs.items():
        parent_is_postgres = f[1] in procs
        total += (int(f[11]) + int(f[12])) / tick
        if not parent_is_postgres:  # a postmaster: add its reaped children
            total += (int(f[13]) + int(f[14])) / tick
    return total


def resident_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def night_child(dag_folder: str, night: str, dag_id: str) -> None:
    """In the night's child process: run the DAG through dag.test while a thread samples
    this process's memory and CPU and the servers' CPU; cut the samples into the task
    instances' windows (they run one after another here) and print one result line."""
    import sqlite3
    import threading
    from datetime import UTC, datetime

    samples: list[tuple[float, int, float, float]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.time(), resident_bytes(), process_cpu(), postgres_cpu()))
            stop.wait(0.2)

    threading.Thread(target=sample, daemon=True).start()
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=dag_folder)
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags[dag_id]
    logical = datetime.fromisoformat(night).replace(tzinfo=UTC) if night != "-" else None
    run = dag.test(logical_date=logical) if logical else dag.test()
    stop.set()
    samples.append((time.time(), resident_bytes(), process_cpu(), postgres_cpu()))
    meta = sqlite3.connect(os.path.join(os.environ["AIRFLOW_HOME"], "airflow.db"))
    rows = meta.execute(
        "select task_id, start_date, end_date from task_instance where dag_id = ? and run_id = ?",
        (dag_id, run.run_id),
    ).fetchall()
    steps: dict[str, dict] = {}
    for task_id, start, end in rows:
        if not start or not end:
            continue
        name = "dbt" if task_id.startswith("dbt.") else task_id
        st = steps.setdefault(
            name, {"wall": 0.0, "cpu": 0.0, "server_cpu": 0.0, "rss": 0, "instances": 0}
        )
        # the dbt model tasks watch the producer's single `dbt build`: its window counts
        if name == "dbt" and task_id != "dbt.dbt_producer_watcher":
            continue
        t0 = datetime.fromisoformat(start).timestamp()
        t1 = datetime.fromisoformat(end).timestamp()
        before = max((s for s in samples if s[0] <= t0), key=lambda s: s[0], default=samples[0])
        after = min((s for s in samples if s[0] >= t1), key=lambda s: s[0], default=samples[-1])
        inside = [s[1] for s in samples if t0 <= s[0] <= t1] or [before[1], after[1]]
        st["wall"] += t1 - t0
        st["cpu"] += after[2] - before[2]
        st["server_cpu"] += after[3] - before[3]
        st["rss"] = max(st["rss"], max(inside))
        st["instances"] += 1
    print(
        "GWH_NIGHT " + json.dumps({"run_id": run.run_id, "state": str(run.state), "steps": steps})
    )


@dataclass
class Cost:
    """One step's cost: wall seconds, client and server CPU seconds, client peak RSS."""

    wall: float = 0.0
    cpu: float = 0.0
    server_cpu: float = 0.0
    rss_mb: float = 0.0

    def add(self, other: Cost) -> None:
        self.wall += other.wall
        self.cpu += other.cpu
        self.server_cpu += other.server_cpu
        self.rss_mb = max(self.rss_mb, other.rss_mb)


@dataclass
class ScaleRun:
    participants: int
    figures: dict[str, int] = field(default_factory=dict)
    steps: dict[str, Cost] = field(default_factory=dict)
    dashboard_p95: dict[str, float] = field(default_factory=dict)


def measured(cmd: list[str], env: dict[str, str], log: Path) -> tuple[Cost, str]:
    """Run a child process; its wall time, CPU (its own and its children's), peak RSS
    (os.wait4), the PostgreSQL servers' CPU meanwhile, and its output."""
    pg0, t0 = postgres_cpu(), time.monotonic()
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    text = log.read_text(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed: see {log}\n{text[-3000:]}")
    cost = Cost(wall, ru.ru_utime + ru.ru_stime, postgres_cpu() - pg0, ru.ru_maxrss / 1024)
    return cost, text


def airflow_env(base: Path, url: str, landing: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(base / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "WAREHOUSE_URL": url,
            "GWH_LANDING": str(landing),
            "GWH_OUTBOX": str(base / "outbox"),
            "GWH_HOME": str(base / "state"),
            "GWH_TASK_RETRIES": "0",
            "GWH_DEMO_KEY": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def run_night(base: Path, env: dict[str, str], night: str, dag_id: str = "gwh_nightly") -> dict:
    """One DAG run through dag.test in a child process; its per-step costs."""
    log = base / f"{dag_id}-{night}.log"
    cmd = [sys.executable, __file__, "--night-child", str(ROOT / "dags"), night, dag_id]
    cost, text = measured(cmd, env, log)
    line = next((ln for ln in text.splitlines() if ln.startswith("GWH_NIGHT ")), None)
    if line is None:
        raise RuntimeError(f"{dag_id} {night}: no result line; see {log}")
    out = json.loads(line.removeprefix("GWH_NIGHT "))
    if "success" not in out["state"].lower():
        raise RuntimeError(f"{dag_id} {night}: {out['state']}; see {log}")
    out["process"] = asdict(cost)
    return out


def _step_costs(night: dict) -> dict[str, Cost]:
    return {
        name: Cost(s["wall"], s["cpu"], s["server_cpu"], s["rss"] / 2**20)
        for name, s in night["steps"].items()
    }


def full_rebuild(base: Path, url: str, env: dict[str, str]) -> Cost:
    """`dbt build --full-refresh` and every data-quality checkpoint, in a child process."""
    script = (
        "import sys; from warehouse.dbt_runner import run_dbt; from quality import runner; "
        "url = sys.argv[1]; res = run_dbt(['build', '--full-refresh'], url); "
        "assert res.success, 'dbt build --full-refresh failed'; "
        "[runner.validate(url, s, run_id='bench-full') for s in ('raw', 'genomics', 'marts')]"
    )
    cost, _ = measured([sys.executable, "-c", script, url], env, base / "full-rebuild.log")
    return cost


def dashboard_p95(url: str, runs: int = 10) -> dict[str, float]:
    """Every query the dashboard makes for its default view, p95 seconds over `runs`."""
    from dashboards import queries as q

    filters = q.Filters()
    calls = {
        "filter_options": lambda c: q.filter_options(c),
        "recruitment_by_year": lambda c: q.recruitment_by_year(c, filters),
        "recruitment_total": lambda c: q.recruitment_total(c, filters),
        "genomes_by_month": lambda c: q.genomes_by_month(c, filters),
        "genomes_total": lambda c: q.genomes_total(c, filters),
        "turnaround": lambda c: q.turnaround(c, filters),
        "yield_by_disease_group": lambda c: q.yield_by_disease_group(c, filters),
        "yield_by_gmc": lambda c: q.yield_by_gmc(c, filters),
        "tier_distribution": lambda c: q.tier_distribution(c, filters),
        "newly_actionable": lambda c: q.newly_actionable(c, filters),
        "outcomes": lambda c: q.outcomes(c, filters),
        "checkpoint_summary": lambda c: q.checkpoint_summary(c),
        "open_failures": lambda c: q.open_failures(c),
        "quarantine_by_feed": lambda c: q.quarantine_by_feed(c),
        "feed_freshness": lambda c: q.feed_freshness(c),
        "pipeline_status": lambda c: q.pipeline_status(c),
    }
    out: dict[str, float] = {}
    with q.reporting_connection(url, "gwh_reporting") as conn:
        for name, call in calls.items():
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                call(conn)
                times.append(time.perf_counter() - t0)
            times.sort()
            out[name] = times[min(len(times) - 1, int(0.95 * len(times)))]
    return out


def figures(url: str) -> dict[str, int]:
    import psycopg

    queries = {
        "participants": "select count(*) from marts.dim_participant",
        "genomes": "select count(*) from ledger.files where kind = 'vcf' and status = 'loaded'",
        "hes_apc_raw_rows": "select count(*) from raw.hes_apc",
        "episodes": "select count(*) from marts.fct_hospital_episode",
        "tier_rows": "select count(*) from marts.fct_tiered_variant",
        "warehouse_mb": "select pg_database_size(current_database()) / 1048576",
    }
    with psycopg.connect(url) as conn:
        return {k: conn.execute(v).fetchone()[0] for k, v in queries.items()}


def run_scale(n: int, seed: int, nights: int, delta: float, keep: Path | None) -> ScaleRun:
    base = keep or Path(tempfile.mkdtemp(prefix=f"gwh-scale-{n}-"))
    base.mkdir(parents=True, exist_ok=True)
    out = ScaleRun(n)
    sim = base / "sim"
    if sim.exists():
        shutil.rmtree(sim)
    cmd = [str(Path(sys.executable).with_name("gwh")), "simulate", "--out", str(sim),
           "--participants", str(n), "--seed", str(seed), "--nights", str(nights)]  # fmt: skip
    if delta:
        cmd += ["--delta-night", str(delta)]
    out.steps["simulate"], _ = measured(cmd, dict(os.environ), base / "simulate.log")
    truth = json.loads((sim / "ground_truth" / "cohort.json").read_text())
    night_list: list[str] = truth["nights"]
    server = db.resolve_server()
    with db.scratch_warehouse(server.url, f"gwh_scale_{n}") as url:
        env = airflow_env(base, url, sim / "landing")
        subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(Path(sys.executable).with_name("airflow")), "pools", "set",
             "gwh_warehouse_writers", "4", "warehouse writers"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        backlog = night_list[:-1] if delta else night_list
        for i, night in enumerate(backlog):
            costs = _step_costs(run_night(base, env, night))
            label = "backlog night" if i == 0 else "night"
            for name, c in costs.items():
                out.steps.setdefault(f"{label}: {name}", Cost()).add(c)
        if delta:
            costs = _step_costs(run_night(base, env, night_list[-1]))
            for name, c in costs.items():
                out.steps[f"delta night: {name}"] = c
            total = Cost()
            for c in costs.values():
                total.add(c)
            out.steps["delta night: total"] = total
        out.steps["full rebuild (dbt --full-refresh + checks)"] = full_rebuild(base, url, env)
        out.figures = figures(url)
        out.dashboard_p95 = dashboard_p95(url)
    if keep is None:
        shutil.rmtree(base, ignore_errors=True)
    return out


def print_run(r: ScaleRun) -> None:
    print(f"\n== {r.participants:,} participants: {r.figures}")
    print(f"{'step':58} {'wall s':>9} {'cpu s':>9} {'pg cpu s':>9} {'peak MB':>8}")
    for name, c in r.steps.items():
        print(f"{name:58} {c.wall:9.1f} {c.cpu:9.1f} {c.server_cpu:9.1f} {c.rss_mb:8.0f}")
    worst = max(r.dashboard_p95.items(), key=lambda kv: kv[1])
    print(f"dashboard queries: slowest p95 {worst[1]:.3f} s ({worst[0]})")


def print_growth(runs: list[ScaleRun]) -> None:
    for a, b in zip(runs, runs[1:], strict=False):
        ratio = b.participants / a.participants
        print(f"\n== growth {a.participants:,} -> {b.participants:,} (x{ratio:g}); 1.0 = linear")
        for name, cb in b.steps.items():
            ca = a.steps.get(name)
            if ca and ca.wall > 0.5:
                g = (cb.wall / ca.wall) / ratio
                print(f"{name:58} {g:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, nargs="+", default=[2000])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--nights", type=int, default=3)
    ap.add_argument(
        "--delta-night",
        type=float,
        default=0.01,
        help="size of the extra last night as a fraction of the programme (0: none)",
    )
    ap.add_argument("--keep", type=Path, help="keep each size's files under this folder")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--night-child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.night_child:
        night_child(*args.night_child)
        return
    print(f"load average at start: {os.getloadavg()}")
    runs = []
    for n in args.participants:
        keep = args.keep / str(n) if args.keep else None
        runs.append(run_scale(n, args.seed, args.nights, args.delta_night, keep))
        print_run(runs[-1])
    print_growth(runs)
    print(f"load average at end: {os.getloadavg()}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1, default=str))


if __name__ == "__main__":
    main()
