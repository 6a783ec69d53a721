"""`gwh release create | list | notes N | diff N M`: research data releases.

`create` cuts the next release from the current (promoted) marts, checks it with the
`release` data-quality suite and publishes it only if no critical check failed; the exit
status is 1 when it was not published. `notes` and `diff` print counts and names only.
"""

from __future__ import annotations

import argparse

import psycopg
from rich.table import Table

from governance.releases import catalogue
from gwh.console import make_console
from warehouse import db


def cmd_create(args: argparse.Namespace) -> int:
    from quality.releases import UnpromotedNight, create_release

    console = make_console()
    url = args.url or db.warehouse_url()
    try:
        outcome = create_release(url)
    except UnpromotedNight as e:
        console.print(f"[red]no release cut[/red]: {e}")
        return 1
    c = outcome.cut
    if not outcome.published:
        console.print(f"[red]release {c.version} NOT published[/red]: critical checks failed")
        for o in outcome.report.failed_critical:
            console.print(f"  [red]critical[/red] {o.check_id}: {o.observed_text()}")
        return 1
    console.print(
        f"published [bold]{c.schema}[/bold] (night of {c.night_of}): {len(c.tables)} tables, "
        f"{c.participants} participants, {c.new_participant_ids} new participant ids, "
        f"cut in {c.seconds:.1f}s; release_latest now points at it"
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    console = make_console()
    with psycopg.connect(args.url or db.warehouse_url()) as conn:
        rows = catalogue.releases(conn)
    t = Table(title="research data releases")
    for col in ("version", "schema", "cut at", "night of", "participants", "amendments",
                "MB", "cut s", "latest"):  # fmt: skip
        t.add_column(col)
    for r in rows:
        t.add_row(
            str(r["version"]), r["schema_name"], f"{r['cut_at']:%Y-%m-%d %H:%M}",
            str(r["night_of"]), str(r["participants"]), str(r["amendments"]),
            f"{(r['bytes'] or 0) / 1e6:.1f}", f"{r['cut_seconds'] or 0:.1f}",
            "yes" if r["latest"] else "",
        )  # fmt: skip
    console.print(t)
    if not rows:
        console.print("no release published yet (gwh release create)")
    return 0


def _print_diff(console, d: catalogue.Diff) -> None:
    t = Table(title=f"release {d.old} → {d.new}")
    for col in ("table", f"rows v{d.old}", f"rows v{d.new}", "change", "columns added",
                "columns removed"):  # fmt: skip
        t.add_column(col)
    for ch in d.tables:
        change = (
            f"{(ch.rows_after or 0) - (ch.rows_before or 0):+d}"
            if ch.rows_before is not None and ch.rows_after is not None
            else ("new table" if ch.rows_before is None else "table removed")
        )
        t.add_row(
            ch.table, str(ch.rows_before if ch.rows_before is not None else "-"),
            str(ch.rows_after if ch.rows_after is not None else "-"), change,
            ", ".join(ch.columns_added), ", ".join(ch.columns_removed),
        )  # fmt: skip
    console.print(t)
    console.print(
        f"participants: {d.participants_added} added, {d.participants_removed} removed, "
        f"{d.participants_kept} in both"
    )


def cmd_notes(args: argparse.Namespace) -> int:
    console = make_console()
    with psycopg.connect(args.url or db.warehouse_url()) as conn:
        try:
            n = catalogue.notes(conn, args.version)
        except LookupError as e:
            console.print(f"[red]{e}[/red]")
            return 1
    console.print(
        f"[bold]{n.schema}[/bold]: cut {n.cut_at} from the night of {n.night_of}; "
        f"{n.participants} participants; checksum {n.checksum}"
    )
    if n.since is None:
        t = Table(title="rows per table (first release)")
        t.add_column("table")
        t.add_column("rows", justify="right")
        for name, rows in sorted(n.rows.items()):
            t.add_row(name, str(rows))
        console.print(t)
    else:
        _print_diff(console, n.since)
    if n.amendments:
        console.print("amendment log:")
        for a in n.amendments:
            console.print(
                f"  {a['amended_at']}: {a['reason']}: {a['participants_removed']} "
                f"participant(s), {a['rows_removed']} row(s) removed"
            )
    else:
        console.print("amendment log: none (unchanged since published)")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    console = make_console()
    with psycopg.connect(args.url or db.warehouse_url()) as conn:
        try:
            d = catalogue.diff(conn, args.old, args.new)
        except LookupError as e:
            console.print(f"[red]{e}[/red]")
            return 1
    _print_diff(console, d)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="research data releases (cut, list, notes, diff)")
    rs = p.add_subparsers(dest="release_command", required=True)
    c = rs.add_parser("create", help="cut the next release and publish it if its checks pass")
    c.set_defaults(func=cmd_create)
    ls = rs.add_parser("list", help="the published releases")
    ls.set_defaults(func=cmd_list)
    n = rs.add_parser("notes", help="a release's notes and amendment log")
    n.add_argument("version", type=int)
    n.set_defaults(func=cmd_notes)
    d = rs.add_parser("diff", help="what changed between two releases")
    d.add_argument("old", type=int)
    d.add_argument("new", type=int)
    d.set_defaults(func=cmd_diff)
    for q in (c, ls, n, d):
        q.add_argument("--url", help="warehouse URL (default: the project rule)")
