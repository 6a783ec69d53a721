"""How a published figure reads on screen: the disclosure footnote, labels and number formats.

Which figures may be shown is decided upstream (dbt's disclosure control, then the checks in
`dashboards.queries`, which also formats counts and rates as `show_count`/`show_number`).
This module holds the rest of the presentation rules, so every section formats alike: a
value the table does not hold reads as `*` (or blank, or "never" for a date), never as 0,
and the footnote that explains `*` sits with the formats it explains.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from dashboards import queries as q
from dashboards.queries import ALL

#: Shown under the page: what `*` means and why parts need not add up to their total.
FOOTNOTE = (
    "* Suppressed by statistical disclosure control (NHS England rule for Hospital Episode "
    "Statistics): counts from 1 to 7 are not shown and other counts are rounded to the "
    "nearest 5; totals are computed before rounding, so the parts need not add up to the "
    "total. Percentages, rates and percentiles are shown only where at least 8 people "
    "underlie them. An empty bar marked * is a suppressed figure, not a zero."
)

PROGRAMME_LABELS = {"rare_disease": "Rare disease", "cancer": "Cancer", ALL: "All programmes"}


def programme_label(value: str) -> str:
    """A programme code as readers know it ('rare_disease' -> 'Rare disease')."""
    return PROGRAMME_LABELS.get(value, value)


def show_text(value: object) -> str:
    """A label cell: the value itself, or blank where the table holds none."""
    return "" if q.is_missing(value) else str(value)


def show_pct(value: object) -> str:
    """A percentage to one decimal place (`*` where withheld)."""
    return q.show_number(value, 1, "%")


def show_days(value: object) -> str:
    """A number of days to one decimal place (`*` where withheld)."""
    return q.show_number(value, 1)


def show_rate(value: object) -> str:
    """A rate per person-year to two decimal places (`*` where withheld)."""
    return q.show_number(value, 2)


def show_when(value: object) -> str:
    """A date as ISO, a timestamp in UTC to the minute, or "never" where there is none."""
    if q.is_missing(value):
        return "never"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
