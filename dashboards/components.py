"""The building blocks every section draws with: chart, KPI tile, numbers table and note.

Shared so that the sections look alike and follow the same rules: a suppressed bar is
empty and labelled `*`, a chart with nothing to draw says why instead of showing bare axes,
and the numbers behind a chart are tabulated exactly as published.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboards import queries as q

#: The chart palette (NHS identity colours), taken in order by a chart's series.
COLOURS = ["#005eb8", "#ed8b00", "#009639", "#8a1538", "#41b6e6", "#768692"]

#: A table column: (data frame column, heading, how a cell is formatted).
Column = tuple[str, str, Callable[[object], str]]


def bar_values(series: pd.Series) -> tuple[list[float], list[str]]:
    """Bar heights (suppressed -> 0) and the text on each bar (count or `*`)."""
    heights = [0.0 if q.is_missing(v) else float(v) for v in series]
    texts = [q.show_count(v) for v in series]
    return heights, texts


def figure(title: str, x_title: str, y_title: str, **layout: Any) -> go.Figure:
    """An empty Plotly figure in the dashboard's style; `layout` overrides any setting."""
    fig = go.Figure()
    settings: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "xanchor": "left"},
        "xaxis_title": x_title,
        "yaxis_title": y_title,
        "template": "plotly_white",
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "height": 360,
        "legend": {"orientation": "h", "y": -0.25},
        "font": {"family": "Arial, sans-serif", "size": 13},
        "yaxis": {"rangemode": "tozero"},
    }
    settings.update(layout)
    fig.update_layout(**settings)
    return fig


def graph(fig: go.Figure, graph_id: str) -> dcc.Graph:
    """A chart; one with nothing to draw says why instead of showing empty axes."""
    values = []
    horizontal = False
    for trace in fig.data:
        flat = getattr(trace, "orientation", None) == "h"
        horizontal = horizontal or flat
        values += [v for v in (trace.x if flat else trace.y) or () if v is not None]
    if not any(values):
        fig.add_annotation(
            text="Nothing to plot for this selection: every figure is 0 or suppressed (*)",
            xref="paper",
            yref="paper",
            x=0.5,
            y=1.04 if horizontal else 0.6,
            showarrow=False,
            font={"size": 14, "color": "#4c6272"},
        )
        if not horizontal:  # a horizontal chart keeps its category labels on the y axis
            fig.update_yaxes(range=[0, 10], showticklabels=False)
    return dcc.Graph(id=graph_id, figure=fig, config={"displaylogo": False}, className="chart")


def kpi(label: str, value: str, note: str = "", kpi_id: str | None = None) -> html.Div:
    """A headline figure with its label and an optional note underneath."""
    children = [html.Div(value, className="kpi-value"), html.Div(label, className="kpi-label")]
    if note:
        children.append(html.Div(note, className="kpi-note"))
    return html.Div(children, className="kpi", id=kpi_id or f"kpi-{label.lower()[:20]}")


def table(df: pd.DataFrame, columns: Sequence[Column], table_id: str, caption: str) -> html.Div:
    """The numbers behind a chart, formatted exactly as published (`*` where suppressed)."""
    header = html.Tr([html.Th(title) for _, title, _ in columns])
    body = [
        html.Tr([html.Td(fmt(row[name])) for name, _, fmt in columns]) for _, row in df.iterrows()
    ]
    if not body:
        body = [html.Tr([html.Td("No rows for this selection", colSpan=len(columns))])]
    return html.Div(
        [
            html.Div(caption, className="table-caption"),
            html.Table([html.Thead(header), html.Tbody(body)], className="numbers"),
        ],
        id=table_id,
        className="numbers-wrap",
    )


def empty_note(message: str) -> html.Div:
    """A sentence standing in for a section (or panel) that has nothing to show."""
    return html.Div(message, className="empty-note")
