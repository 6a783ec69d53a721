"""`gwh`: the command line of genomics-warehouse.

Each feature module contributes its sub-commands through a `register(subparsers)` function
listed in COMMAND_MODULES, so the CLI stays a thin dispatcher and every command is also a
plain Python function that DAG tasks and tests call directly.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

#: Modules that add sub-commands (each defines `register(subparsers)`).
COMMAND_MODULES = [
    "gwh.commands.db",
    "gwh.commands.load",
    "gwh.commands.variants",
    "gwh.commands.simulate",
    "gwh.commands.withdraw",
    "gwh.commands.dq",
    "gwh.commands.release",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gwh", description="genomics-warehouse: simulate, load, summarise, check."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
