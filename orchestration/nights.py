"""Nights: which deliveries a DAG run processes, and whether they have all arrived.

A *night* is identified by its logical date. The deliveries of a night are the complete
delivery folders dated on or before it (monthly HES/ONS folders `YYYY-MM` count from the
first of their month) that the ledger has not finished yet; so running the nights of a
backfill in order, or one late night that catches up several, ends in the same warehouse:
the ledger's exactly-once rule makes every step idempotent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from warehouse.config import state_dir

#: Environment variable naming the landing root the DAGs read.
LANDING_ENV = "GWH_LANDING"
#: Environment variable naming where published lists (reanalysis results) are written.
OUTBOX_ENV = "GWH_OUTBOX"

#: Feeds whose delivery folders are named by month (YYYY-MM), not by day.
MONTHLY_FEEDS = frozenset({"hes", "mortality"})


def landing_root() -> Path:
    """The landing area the DAGs read: `GWH_LANDING`, default `.gwh/landing`."""
    return Path(os.environ.get(LANDING_ENV) or state_dir() / "landing").resolve()


def outbox_root() -> Path:
    """Where lists for GMCs are published: `GWH_OUTBOX`, default `.gwh/outbox`."""
    return Path(os.environ.get(OUTBOX_ENV) or state_dir() / "outbox").resolve()


def as_date(value: date | str) -> date:
    """A logical date from Airflow (date, datetime or ISO string) as a date."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if hasattr(value, "date"):
        return value.date()  # a datetime/pendulum DateTime
    return value


def night_of(dag_run) -> date:
    """The night a DAG run processes: its logical date, or (a manual run triggered without
    one, as Airflow 3 allows) the date it was triggered for, `run_after`."""
    when = getattr(dag_run, "logical_date", None) or getattr(dag_run, "run_after", None)
    if when is None:
        raise ValueError("the DAG run has neither a logical date nor run_after")
    return as_date(when)


def due_by(delivery, night: date) -> bool:
    """Whether a delivery folder belongs to the nights up to and including `night`.

    Daily folders are due on their date; monthly folders (HES, ONS) from the first day of
    their month, because the monthly extract is delivered on that month's night while the
    ledger dates it at the month's end (the last day its events may fall on).
    """
    if delivery.feed in MONTHLY_FEEDS:
        return (delivery.delivery_date.year, delivery.delivery_date.month) <= (
            night.year,
            night.month,
        )
    return delivery.delivery_date <= night


# ---------------------------------------------------------------------------------------
# waiting for deliveries


@dataclass
class Readiness:
    """What the sensor saw in the landing area for a night."""

    night: str
    complete: int = 0
    incomplete: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Ready when something is due and nothing due is still being written."""
        return self.complete > 0 and not self.incomplete

    def to_dict(self) -> dict:
        return {
            "night": self.night,
            "complete": self.complete,
            "incomplete": self.incomplete,
            "ready": self.ready,
        }


def check_deliveries(landing: Path, night: date | str) -> Readiness:
    """Count the night's due delivery folders, complete (`_SUCCESS`) or still being written.

    Reads only folder names and `_SUCCESS` markers; the sensor pokes this until `ready`.
    """
    from loaders.ingest import discover

    night = as_date(night)
    landing = Path(landing)
    out = Readiness(night.isoformat())
    if not landing.is_dir():
        out.warnings.append(f"landing area {landing} does not exist")
        return out
    deliveries, warnings = discover(landing)
    out.warnings.extend(warnings)
    for d in deliveries:
        if not due_by(d, night):
            continue
        if d.complete:
            out.complete += 1
        else:
            out.incomplete.append(d.rel_path)
    return out
