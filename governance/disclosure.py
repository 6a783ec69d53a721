"""Statistical disclosure control for every count that leaves the warehouse.

NHS England's HES rule (domain.md): 0 stays 0; 1-7 are suppressed (shown `*`); 8 and above
are rounded to the nearest 5; totals are computed from unrounded values and then rounded;
percentages and means are shown only where the underlying count is >= 8 (and, so that
rate x base cannot reveal a suppressed count, never with a numerator from 1 to 7).

Dashboards and exports call these functions; the reporting marts apply the same rule in
SQL, and must agree with this module value for value.
"""

from __future__ import annotations

from collections.abc import Iterable

SUPPRESSED = "*"
SUPPRESS_MAX = 7
ROUND_TO = 5
RATE_MIN_BASE = 8


def suppress_count(n: int | None) -> int | None:
    """The publishable form of a count: None means suppressed (shown as `*`)."""
    if n is None:
        return None
    if n < 0:
        raise ValueError("counts cannot be negative")
    if n == 0:
        return 0
    if n <= SUPPRESS_MAX:
        return None
    # Round half up to the nearest 5 (12.5 -> 15), as PostgreSQL round() does for numerics.
    return int((n + ROUND_TO / 2) // ROUND_TO * ROUND_TO)


def suppress_total(values: Iterable[int]) -> int | None:
    """A total: summed from the unrounded values, then controlled like any count."""
    return suppress_count(sum(values))


def publishable_rate(numerator: float, base: int) -> float | None:
    """A rate/percentage/mean only where its base count is >= 8 and its numerator is not a
    suppressed count (1-7): otherwise rate x base would give the suppressed count back."""
    if base is None or base < RATE_MIN_BASE:
        return None
    if 0 < numerator <= SUPPRESS_MAX:
        return None
    return numerator / base


def display(n: int | None) -> str:
    """How a controlled count is shown: the number, or `*`."""
    return SUPPRESSED if n is None else str(n)
