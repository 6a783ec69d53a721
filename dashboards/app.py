"""The programme-reporting dashboard (Dash): what programme managers and GMC leads read.

This module builds the app: it assembles the page from its static pieces
(`dashboards.layout`) and the sections (`dashboards.sections`), and wires the callbacks
that fill them per request: the filter options and status banner when the page loads, the
disease groups of the chosen programme, and every section's body when a filter changes.

It reads only the `reporting` schema, after switching to the reporting role (see
`dashboards.queries`). Building the app only builds the layout; every query runs inside a
callback, per request, so importing this module touches no database.

Run: `python -m dashboards [--port 8050] [--gmc SLO | --role ROLE | --no-role]` (`make
dashboard` runs it after `make demo`); the command line lives in `dashboards.__main__`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dash import Dash, Input, Output, State, dcc, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboards import layout
from dashboards import queries as q
from dashboards.display import PROGRAMME_LABELS, programme_label, show_when
from dashboards.layout import TITLE
from dashboards.queries import ALL, Filters
from dashboards.sections import SECTIONS


def build_layout() -> html.Div:
    """The page skeleton: filters, the sections and the disclosure footnote (no data)."""
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="options-store"),
            layout.header(),
            layout.filter_bar(),
            layout.filter_note(),
            *[layout.section_shell(section.key, section.title) for section in SECTIONS],
            layout.footer(),
        ],
        className="page",
    )


def create_app(url: str, role: str | None = q.REPORTING_ROLE) -> Dash:
    """The Dash app reading `url` as `role` (None: the login user itself, development only)."""
    app = Dash(__name__, title=TITLE, assets_folder="assets")
    app.layout = build_layout()

    @app.callback(
        Output("options-store", "data"),
        Output("filter-gmc", "options"),
        Output("filter-gmc", "value"),
        Output("filter-programme", "options"),
        Output("filter-programme", "value"),
        Output("filter-period", "min"),
        Output("filter-period", "max"),
        Output("filter-period", "value"),
        Output("filter-period", "marks"),
        Output("status-banner", "children"),
        Input("url", "pathname"),
    )
    def load_options(_pathname: str | None) -> tuple[Any, ...]:
        with q.reporting_connection(url, role) as conn:
            options = q.filter_options(conn)
            status = (
                q.pipeline_status(conn)
                if q.readable(conn, "rpt_dashboard_pipeline_status")
                else None
            )
        if not options.gmcs:
            raise PreventUpdate
        years = options.years or (date.today().year, date.today().year)
        viewer = f"viewing as {role}" if role else "viewing as the login user (development)"
        if status is not None:
            banner = (
                f"Data as of the last successful night: {show_when(status.last_successful_night)}"
            )
        else:
            banner = "Data as of the last published night"
        banner += f" · {viewer}"
        return (
            {"disease_groups": options.disease_groups},
            [
                {"label": f"{name} ({code})" if code != ALL else name, "value": code}
                for code, name in options.gmcs
            ],
            options.gmcs[0][0],
            [{"label": PROGRAMME_LABELS[ALL], "value": ALL}]
            + [{"label": programme_label(p), "value": p} for p in options.programmes],
            ALL,
            years[0],
            years[1],
            [years[0], years[1]],
            {y: str(y) for y in range(years[0], years[1] + 1) if y in years or y % 5 == 0},
            banner,
        )

    @app.callback(
        Output("filter-disease", "options"),
        Output("filter-disease", "value"),
        Input("filter-programme", "value"),
        Input("options-store", "data"),
        State("filter-disease", "value"),
    )
    def disease_options(
        programme: str | None, store: dict | None, current: str | None
    ) -> tuple[list[dict[str, str]], str]:
        if not store:
            raise PreventUpdate
        groups = store["disease_groups"].get(programme or ALL, [])
        options = [{"label": "All disease groups", "value": ALL}] + [
            {"label": g, "value": g} for g in groups
        ]
        return options, current if current in groups else ALL

    @app.callback(
        [Output(f"{section.key}-body", "children") for section in SECTIONS],
        Input("filter-gmc", "value"),
        Input("filter-programme", "value"),
        Input("filter-disease", "value"),
        Input("filter-period", "value"),
        Input("options-store", "data"),
    )
    def render_sections(
        gmc: str | None,
        programme: str | None,
        disease: str | None,
        period: list[int] | None,
        store: dict | None,
    ) -> list[list[Component]]:
        if not store:
            raise PreventUpdate
        filters = Filters(
            gmc=gmc or ALL,
            programme=programme or ALL,
            disease_group=disease or ALL,
            year_from=int(period[0]) if period else None,
            year_to=int(period[1]) if period else None,
        )
        with q.reporting_connection(url, role) as conn:
            return [section.render_safely(conn, filters) for section in SECTIONS]

    return app
