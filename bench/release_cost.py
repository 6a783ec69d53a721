"""Cost of research data releases: cut time and storage per release as the programme grows.

Usage: .venv/bin/python bench/release_cost.py [--participants 200 1000] [--repeat 3]

For each size: simulate a programme (one night), load it, summarise and tier its genomes,
dbt build and promote (the nightly path), build the release views, then cut the release
`--repeat` times (each cut is discarded, so every repeat cuts the same state). Prints the
cut time best-of-N with its min–max, the time to check and publish one cut (checksum,
catalogue, notes, release_latest), and the storage of one release against the marts it is
cut from, per participant, so growth can be read off. The load average is printed, because
the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import tempfile
import time
from pathlib import Path

import psycopg


def _build(url: str, landing: Path) -> None:
    from gwh.cli import main as gwh
    from loaders.ingest.runner import load_landing
    from warehouse import db
    from warehouse.dbt_runner import run_dbt
    from warehouse.promote import promote_reporting

    db.init_db(url)
    load_landing(landing, url)
    with contextlib.redirect_stdout(io.StringIO()):  # one line per genome: not the point here
        assert gwh(["variants", "load", str(landing), "--url", url]) == 0
    run_dbt(["build", "--quiet", "--exclude-resource-type", "test", "unit_test"], url)
    with psycopg.connect(url) as conn:
        promote_reporting(conn)


def _bytes(conn: psycopg.Connection, schema: str) -> int:
    (n,) = conn.execute(
        "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c "
        "join pg_namespace n on n.oid = c.relnamespace where n.nspname = %s "
        "and c.relkind in ('r', 'm')",
        (schema,),
    ).fetchone()
    return int(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, nargs="+", default=[200, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.disable(logging.INFO)
    os.environ.setdefault("GWH_PSEUDONYM_KEY", "bench-only-pseudonym-key")

    from governance.releases import cut as releases
    from quality.releases import build_release_views
    from simulator.simulate import simulate
    from warehouse import db

    server = db.resolve_server().url
    print(
        f"{'participants':>12} {'released':>8} {'rows':>8} {'cut best':>8} {'cut min-max':>13} "
        f"{'publish':>7} {'release MB':>10} {'marts MB':>8} {'KB/participant':>14}"
    )
    for n in args.participants:
        out = Path(tempfile.mkdtemp(prefix=f"gwh-release-bench-{n}-"))
        simulate(out, participants=n, seed=7, nights=1, progress=False)
        url = db.with_database(server, f"gwh_bench_release_{n}_{os.getpid()}")
        db.drop_database(url)
        db.ensure_database(url)
        try:
            _build(url, out / "landing")
            build_release_views(url)
            times = []
            for _ in range(args.repeat):
                with psycopg.connect(url, autocommit=True) as conn:
                    c = releases.cut(conn)
                    times.append(c.seconds)
                    size = _bytes(conn, c.schema)
                    releases.discard(conn, c)
            with psycopg.connect(url, autocommit=True) as conn:
                c = releases.cut(conn)
                t0 = time.perf_counter()
                releases.publish(conn, c)
                publish = time.perf_counter() - t0
                marts = _bytes(conn, "marts")
            rows = sum(c.tables.values())
            print(
                f"{n:>12} {c.participants:>8} {rows:>8} {min(times):>7.2f}s "
                f"{min(times):>6.2f}-{max(times):.2f}s {publish:>6.2f}s "
                f"{size / 1e6:>10.2f} {marts / 1e6:>8.2f} {size / 1e3 / c.participants:>14.1f}"
            )
        finally:
            db.drop_database(url)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
