"""`gwh dq [--suite S]`: run the data-quality checkpoints from the command line.

Stages run in nightly order (raw, genomics, marts) under one run id, each printing a
summary by category and severity and the failed expectations; the exit status is 1 when a
critical expectation failed, so shell scripts can gate promotion the way the DAG does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gwh.console import make_console
from quality import runner as dq
from warehouse import db


def print_report(report: dq.DqReport, console: Console) -> None:
    counts = report.counts()
    t = Table(title=f"dq {report.stage}: run {report.run_id}", show_lines=False)
    t.add_column("category")
    t.add_column("severity")
    t.add_column("expectations", justify="right")
    t.add_column("failed", justify="right")
    failed = {(o.category, o.severity): 0 for o in report.outcomes}
    for o in report.outcomes:
        if not o.success:
            failed[(o.category, o.severity)] += 1
    for (cat, sev), n in sorted(counts.items()):
        f = failed.get((cat, sev), 0)
        style = "red" if f and sev == "critical" else "yellow" if f else ""
        t.add_row(cat, sev, str(n), f"[{style}]{f}[/{style}]" if style else "0")
    console.print(t)
    for o in report.failed_critical + report.failed_warning:
        colour = "red" if o.severity == "critical" else "yellow"
        console.print(f"  [{colour}]{o.severity:8}[/{colour}] {o.check_id}: {o.observed_text()}")
    verdict = "[green]passed[/green]" if report.success else "[red]FAILED (critical)[/red]"
    docs = f"; Data Docs: {report.docs_index}" if report.docs_index else ""
    console.print(
        f"{report.stage}: {len(report.outcomes)} expectations, {verdict}, "
        f"{len(report.failed_warning)} warning(s), {report.seconds.get('total', 0):.1f}s{docs}"
    )


def cmd_dq(args: argparse.Namespace) -> int:
    console = make_console()
    url = db.warehouse_url()
    stages = dq.STAGES if args.suite == "all" else (args.suite,)
    run_id = args.run_id or dq.new_run_id()
    ok = True
    for stage in stages:
        report = dq.validate(url, stage, run_id=run_id, docs_dir=args.docs_dir)
        print_report(report, console)
        ok = ok and report.success
    console.print(
        f"run {run_id}: {'no critical failure' if ok else 'critical failure: do not promote'}"
    )
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dq", help="run the data-quality checkpoints (Great Expectations)")
    p.add_argument("--suite", choices=("all", *dq.STAGES), default="all",
                   help="which checkpoint to run (default: all, in nightly order)")  # fmt: skip
    p.add_argument("--run-id", help="run identifier (default: a new timestamped id)")
    p.add_argument("--docs-dir", type=Path, default=None,
                   help="Data Docs folder (default: .gwh/data_docs)")  # fmt: skip
    p.set_defaults(func=cmd_dq)
