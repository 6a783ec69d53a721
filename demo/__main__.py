"""`python -m demo` (what `make demo` runs): simulate a programme, run the nightly DAGs on
it night by night, and compare the warehouse with the simulator's ground truth."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from demo.run import DEMO_DATABASE, run_demo
from gwh.console import make_console


def cmd_demo(args: argparse.Namespace) -> int:

    console = make_console()
    t0 = time.monotonic()
    try:
        result = run_demo(args.participants, args.nights, args.seed, args.database, console)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        console.print(f"[red]demo: {exc}[/]")
        return 1
    verdict = "matches" if result.ok else "DOES NOT match"
    console.print(
        f"demo finished in {time.monotonic() - t0:.0f}s; the warehouse {verdict} the ground truth"
    )
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m demo",
        description="simulate a programme and run the nightly DAGs on it, then summarise",
    )
    p.add_argument("--participants", type=int, default=200, help="simulated (default 200)")
    p.add_argument("--nights", type=int, default=3, help="simulated nights, each run by the DAG")
    p.add_argument("--seed", type=int, default=42, help="simulation seed (default 42)")
    p.add_argument("--database", default=DEMO_DATABASE, help="warehouse database to (re)create")
    return cmd_demo(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
