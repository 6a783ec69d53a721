"""The rich console every `gwh` command prints its progress and summaries with.

Why one place: when output is not a terminal (CI logs, Airflow task logs, a pipe) rich
falls back to 80 columns, which truncates the summary tables' headers ("fil…", "lo…") that
data engineers read in exactly those logs; there we print 160 columns instead.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

LOG_WIDTH = 160


def make_console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty() or bool(os.environ.get("COLUMNS"))
    return Console(stderr=stderr, width=None if interactive else LOG_WIDTH)
