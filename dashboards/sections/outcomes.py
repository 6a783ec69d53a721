"""Outcomes after the result: does a diagnosis change how much hospital care people need?

Hospital admissions and bed days per person-year in the two years before and after the
result, solved vs unsolved cases side by side, with the numbers behind each chart.
"""

from __future__ import annotations

import psycopg
from dash import html
from dash.development.base_component import Component

from dashboards import queries as q
from dashboards.components import COLOURS, figure, graph, table
from dashboards.display import show_rate, show_text
from dashboards.queries import Filters
from dashboards.sections.base import Section

SIDE_LABELS = {"before": "2 years before result", "after": "2 years after result"}
STATUS_LABELS = {"solved": "Solved (yes or partially)", "unsolved": "Unsolved (no or unknown)"}


def render(conn: psycopg.Connection, filters: Filters) -> list[Component]:
    """Admissions and bed days per person-year, before vs after the result, by solved status."""
    df = q.outcomes(conn, filters)
    charts = []
    for column, title, y_title, graph_id in [
        (
            "admissions_per_person_year",
            "Hospital admissions per person-year, before vs after the result",
            "Admissions per person-year",
            "chart-outcomes-admissions",
        ),
        (
            "bed_days_per_person_year",
            "Bed days per person-year, before vs after the result",
            "Bed days per person-year",
            "chart-outcomes-beddays",
        ),
    ]:
        fig = figure(title, "MDT outcome of the case", y_title, barmode="group")
        for i, side in enumerate(["before", "after"]):
            part = df[df["window_side"] == side]
            fig.add_bar(
                x=[STATUS_LABELS.get(s, s) for s in part["solved_status"]],
                y=[0.0 if q.is_missing(v) else float(v) for v in part[column]],
                text=[show_rate(v) for v in part[column]],
                textposition="outside",
                name=SIDE_LABELS[side],
                marker_color=COLOURS[i],
            )
        charts.append(html.Div([graph(fig, graph_id)], className="panel"))
    numbers = table(
        df.assign(
            solved_status=[STATUS_LABELS.get(s, s) for s in df["solved_status"]],
            window_side=[SIDE_LABELS.get(s, s) for s in df["window_side"]],
        ),
        [
            ("solved_status", "Case", show_text),
            ("window_side", "Window", show_text),
            ("participants", "Probands", q.show_count),
            ("person_years", "Person-years", lambda v: q.show_number(v, 1)),
            ("admissions", "Admissions", q.show_count),
            ("emergency_admissions", "Emergency admissions", q.show_count),
            ("bed_days", "Bed days", q.show_count),
            ("admissions_per_person_year", "Admissions / person-year", show_rate),
            ("emergency_admissions_per_person_year", "Emergency adm. / person-year", show_rate),
            ("bed_days_per_person_year", "Bed days / person-year", show_rate),
        ],
        "table-outcomes",
        "The numbers behind the outcome charts (probands with a recorded result; follow-up "
        "ends at death or the end of HES coverage)",
    )
    return [html.Div(charts, className="row"), html.Div([numbers], className="panel wide")]


SECTION = Section("outcomes", "Outcomes after the result", render)
