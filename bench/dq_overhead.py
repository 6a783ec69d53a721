"""Overhead of the data-quality checkpoints on an already loaded warehouse.

Usage: WAREHOUSE_URL=postgresql://postgres@127.0.0.1:5432/<db> \
       .venv/bin/python bench/dq_overhead.py [--stages raw genomics marts] [--repeat 2]

Prints the one-off Great Expectations import cost, then per stage and repeat the time to
build the suites, set up the ephemeral context, validate, and the expectations per second,
and the share of the run that is GX set-up rather than validation. The first repeat of a
process pays the import; later repeats show the steady per-checkpoint overhead a DAG task
running several checkpoints in one process would see.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", nargs="+", default=["raw", "genomics", "marts"])
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    logging.disable(logging.INFO)

    from quality import runner as dq
    from warehouse import db

    url = db.warehouse_url()
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401  (the one-off import cost is what is measured)

    print(f"great_expectations import: {time.perf_counter() - t0:.1f}s (once per process)")
    docs = Path(tempfile.mkdtemp(prefix="gwh-dq-bench-"))
    print(f"{'stage':9} {'rep':>3} {'checks':>6} {'suites':>7} {'gx setup':>8} "
          f"{'validate':>8} {'total':>7} {'checks/s':>8} {'setup %':>7}")  # fmt: skip
    for rep in range(1, args.repeat + 1):
        for stage in args.stages:
            r = dq.validate(url, stage, run_id=f"bench-{rep}", docs_dir=docs)
            s = r.seconds
            n = len(r.outcomes)
            print(
                f"{stage:9} {rep:>3} {n:>6} {s['suites']:>6.1f}s {s['gx_setup']:>7.1f}s "
                f"{s['validate']:>7.1f}s {s['total']:>6.1f}s {n / s['validate']:>8.0f} "
                f"{100 * s['gx_setup'] / s['total']:>6.0f}%"
            )
    print(f"Data Docs written under {docs}; results under run ids bench-1..{args.repeat}")


if __name__ == "__main__":
    main()
