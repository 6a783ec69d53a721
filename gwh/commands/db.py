"""`gwh db ...`: show the chosen server, create the schemas."""

from __future__ import annotations

import argparse

from psycopg.conninfo import conninfo_to_dict

from warehouse import db


def _redacted(url: str) -> str:
    """The URL without its password, safe to print."""
    p = conninfo_to_dict(url)
    host = p.get("host", "")
    return f"postgresql://{p.get('user', '')}@{host}:{p.get('port', '')}/{p.get('dbname', '')}"


def cmd_init(args: argparse.Namespace) -> int:
    choice = db.resolve_server()
    created = db.ensure_database(choice.url)
    applied = db.init_db(choice.url)
    print(f"warehouse: {_redacted(choice.url)} (server chosen by: {choice.source})")
    print(
        f"database {'created' if created else 'already present'}; "
        f"schemas ensured: {', '.join(db.SCHEMAS)}"
    )
    print(f"DDL applied: {', '.join(applied) or '(none)'}")
    return 0


def cmd_url(args: argparse.Namespace) -> int:
    choice = db.resolve_server()
    print(choice.url if args.show_password else _redacted(choice.url))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="warehouse database: init, url")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    i = dsub.add_parser("init", help="create the database, schemas and tables (idempotent)")
    i.set_defaults(func=cmd_init)
    u = dsub.add_parser("url", help="print the warehouse connection URL chosen by the rules")
    u.add_argument("--show-password", action="store_true")
    u.set_defaults(func=cmd_url)
