"""`gwh load LANDING [--feed F] [--json] [--demo-key]`: load every pending delivery.

Exit code: 0 when every file ended loaded, quarantined, refused, duplicate or already
loaded (bad data is an outcome, not a failure); 1 when some file could not be recorded as
any of those (status `failed`), 2 when the run could not start (no key, no schema).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from gwh.console import make_console
from loaders.ingest import FEED_ORDER, LoadReport, load_landing
from loaders.ingest.runner import SchemaMissing
from loaders.pseudonymise import PseudonymKeyMissing

log = logging.getLogger(__name__)


def render_summary(report: LoadReport, console) -> None:
    """One screen: per feed, files by outcome and rows by outcome/reason."""
    from rich.table import Table

    feeds = report.by_feed()
    t = Table(title="gwh load: summary", show_lines=False)
    for col in (
        "feed",
        "files",
        "loaded",
        "quarantined",
        "refused",
        "duplicate",
        "already loaded",
        "failed",
        "rows delivered",
        "rows loaded",
        "rows quarantined",
        "rows excluded",
    ):
        t.add_column(col, justify="left" if col == "feed" else "right")
    for name in FEED_ORDER:
        s = feeds.get(name)
        if s is None:
            continue
        t.add_row(
            name,
            str(s.files),
            str(s.files_loaded),
            str(s.files_quarantined),
            str(s.files_refused),
            str(s.files_duplicate),
            str(s.files_already_loaded),
            str(s.files_failed),
            f"{s.rows_delivered:,}",
            f"{s.rows_loaded:,}",
            f"{s.rows_quarantined:,}",
            f"{s.rows_excluded:,}",
        )
    console.print(t)
    for name in FEED_ORDER:
        s = feeds.get(name)
        if s is None or not (s.row_reasons or s.file_reasons):
            continue
        rows = ", ".join(f"{k} {v}" for k, v in s.row_reasons.most_common())
        files = ", ".join(f"{k} {v}" for k, v in s.file_reasons.most_common())
        console.print(
            f"[bold]{name}[/]: rows quarantined by reason: {rows or '-'}; "
            f"files quarantined/refused by reason: {files or '-'}"
        )
    excluded = {f.excluded_reason for f in report.files if f.rows_excluded}
    if excluded:
        console.print(f"rows excluded (loaded nowhere, counted): {', '.join(sorted(excluded))}")
    for f in report.failed:
        console.print(f"[red]FAILED[/] {f.path}: {f.message}")
    for w in report.warnings[:20]:
        console.print(f"[yellow]warning[/] {w}")
    if len(report.warnings) > 20:
        console.print(f"[yellow]... {len(report.warnings) - 20} more warnings[/]")
    if report.incomplete_deliveries:
        console.print(
            f"{report.incomplete_deliveries} deliveries without _SUCCESS left for a later run"
        )
    if report.deliveries_complete:
        console.print(f"{report.deliveries_complete} deliveries finished by earlier runs, skipped")
    if not report.files and not report.deliveries_complete:
        console.print("no complete deliveries found")
    elif report.nothing_loaded:
        console.print("nothing to do: every delivered file was already loaded")


def cmd_load(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from warehouse import db

    console = make_console(stderr=args.json)
    url = args.url or db.warehouse_url()
    try:
        if args.json:
            report = load_landing(Path(args.landing), url, args.feed, demo_key=args.demo_key)
        else:
            progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,} rows"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            with progress:
                report = load_landing(
                    Path(args.landing), url, args.feed, demo_key=args.demo_key, progress=progress
                )
    except (PseudonymKeyMissing, SchemaMissing, FileNotFoundError) as exc:
        console.print(f"[red]gwh load: {exc}[/]")
        return 2
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        render_summary(report, console)
    return 1 if report.failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("load", help="load complete deliveries from a landing area into raw")
    p.add_argument("landing", help="landing area root (feeds.md layout)")
    p.add_argument(
        "--feed",
        action="append",
        choices=FEED_ORDER,
        help="only this feed (repeatable); default all",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument(
        "--demo-key",
        action="store_true",
        help="use the PUBLISHED demo pseudonymisation key (never for real data)",
    )
    p.add_argument("--url", help="warehouse URL (default: the project's resolution rule)")
    p.set_defaults(func=cmd_load)
