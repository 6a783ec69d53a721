"""Pipeline status: which night the dashboard shows, how fresh each feed is, and the
newest research data release.

The last successful (published) night with its load totals, and each feed's latest delivery
and how far it lags that night. Programme-wide: GMC viewers see a note instead, and the
filters do not apply.
"""

from __future__ import annotations

import psycopg
from dash import html
from dash.development.base_component import Component

from dashboards import queries as q
from dashboards.components import COLOURS, empty_note, figure, graph, kpi, table
from dashboards.display import show_text, show_when
from dashboards.queries import Filters
from dashboards.sections.base import Section, programme_only


def render(conn: psycopg.Connection, filters: Filters) -> list[Component]:
    """The last successful night and each feed's freshness."""
    if not q.readable(conn, "rpt_dashboard_pipeline_status"):
        return [programme_only("pipeline status")]
    status = q.pipeline_status(conn)
    fresh = q.feed_freshness(conn)
    release = q.latest_release(conn)
    if status is None:
        return [empty_note("No night has been published yet.")]
    kpis = html.Div(
        [
            kpi(
                "Last successful night",
                show_when(status.last_successful_night),
                "the night now published",
                "kpi-last-night",
            ),
            kpi("Reporting built", show_when(status.reporting_built_at), "", "kpi-built-at"),
            kpi("Nights loaded", str(status.nights_loaded), "", "kpi-nights"),
            kpi(
                "Rows delivered last night",
                q.show_count(status.rows_delivered_last_night),
                f"{q.show_count(status.rows_quarantined_last_night)} quarantined",
                "kpi-rows",
            ),
            kpi(
                "Latest research release",
                f"v{release.version}" if release else "none",
                (
                    f"{release.schema_name}, night of {show_when(release.night_of)}; "
                    f"{q.show_count(release.participants)} participants"
                )
                if release
                else "no release cut yet",
                "kpi-release",
            ),
        ],
        className="kpis",
    )
    fig = figure(
        "Feed freshness: days the latest delivery lags the last night",
        "Feed",
        "Days behind the last night",
    )
    fig.add_bar(
        x=list(fresh["feed"]),
        y=[float(v) for v in fresh["days_behind_night"]],
        text=[
            "current" if bool(c) else f"{int(d)} days behind"
            for c, d in zip(fresh["is_current"], fresh["days_behind_night"], strict=True)
        ],
        textposition="outside",
        marker_color=[COLOURS[2] if bool(c) else COLOURS[3] for c in fresh["is_current"]],
        name="Days behind",
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero")
    numbers = table(
        fresh.assign(is_current=["current" if bool(c) else "behind" for c in fresh["is_current"]]),
        [
            ("feed", "Feed", show_text),
            ("cadence", "Cadence", show_text),
            ("last_delivery_date", "Latest delivery", show_when),
            ("days_behind_night", "Days behind", show_text),
            ("is_current", "Status", show_text),
            ("files_rejected", "Files rejected", q.show_count),
            ("rows_delivered", "Rows", q.show_count),
            ("rows_quarantined", "Rows quarantined", q.show_count),
            ("last_loaded_at", "Loaded at", show_when),
        ],
        "table-freshness",
        "Latest delivery of each feed",
    )
    return [kpis, html.Div([graph(fig, "chart-freshness"), numbers], className="panel wide")]


SECTION = Section("pipeline", "Pipeline status", render)
