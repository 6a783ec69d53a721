"""What a dashboard section is, and how one is rendered without taking the page down.

The app knows a section only through this interface: a key (the page ids `section-<key>`
and `<key>-body` derive from it), a heading, and a `render` function that runs the
section's queries for the viewer's filters and returns its Dash components. Rendering goes
through `Section.render_safely`, so a section whose data fails the disclosure checks is
withheld with the reason, and one that breaks shows an error, while the others still render.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from dash import html
from dash.development.base_component import Component

from dashboards import queries as q
from dashboards.components import empty_note
from dashboards.queries import Filters

log = logging.getLogger("dashboards")

#: A section's renderer: its components for this connection (already in the viewer's role)
#: and these filters.
Render = Callable[[psycopg.Connection, Filters], list[Component]]

PROGRAMME_ONLY = (
    "Programme-wide {what} is shown to programme-level viewers (gwh_reporting) only; "
    "this view is restricted to one GMC."
)


@dataclass(frozen=True)
class Section:
    """One section of the page: its id key, its heading and how it renders."""

    key: str
    title: str
    render: Render

    def render_safely(self, conn: psycopg.Connection, filters: Filters) -> list[Component]:
        """The section's components; a failing section shows its own error instead."""
        try:
            return self.render(conn, filters)
        except q.DisclosureError as exc:
            log.error("section %s refused: %s", self.key, exc)
            return [html.Div(f"This section is withheld: {exc}", className="section-error")]
        except Exception:
            log.exception("section %s failed", self.key)
            return [
                html.Div(
                    "This section could not be loaded (see the dashboard's log).",
                    className="section-error",
                )
            ]


def programme_only(what: str) -> html.Div:
    """The note a GMC viewer sees instead of a programme-wide section it may not read."""
    return empty_note(PROGRAMME_ONLY.format(what=what))
