"""The dashboard's command line: serve it on a port, reading a warehouse as a chosen role.

`python -m dashboards` runs it (so do `make dashboard` and docker-compose). The role decides
what the viewer sees: the programme-wide reporting role by default, one GMC's role with
`--gmc`, or the login user's own rights with `--no-role` (a development server without the
reporting roles). A role the server does not have is refused before anything is served.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from dashboards import queries as q
from dashboards.app import create_app
from dashboards.layout import TITLE
from warehouse import db
from warehouse.config import DEMO_DATABASE


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m dashboards` (also checked by the compose test)."""
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=TITLE)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="warehouse URL (default: the project's rule)")
    where.add_argument(
        "--demo",
        action="store_true",
        help="read the warehouse `make demo` built (database gwh_demo on the chosen server)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--role", default=q.REPORTING_ROLE, help="role to read as")
    who.add_argument("--gmc", help="read as this GMC's role (sees only that GMC)")
    who.add_argument(
        "--no-role", action="store_true", help="do not switch role (development server only)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard until interrupted; 2 if the role to read as does not exist."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.demo:
        url = db.with_database(db.resolve_server().url, DEMO_DATABASE)
    else:
        url = args.url or db.warehouse_url()
    role = None if args.no_role else (q.gmc_role(args.gmc) if args.gmc else args.role)
    if role is not None and not q.role_exists(url, role):
        print(
            f"role {role} does not exist on the warehouse server: run `gwh db init` to create "
            "the reporting roles, or pass --no-role on a development server",
            file=sys.stderr,
        )
        return 2
    app = create_app(url, role)
    print(f"dashboard: http://{args.host}:{args.port}/ ({'as ' + role if role else 'no role'})")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
