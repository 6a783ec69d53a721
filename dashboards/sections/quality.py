"""Data quality: can last night's figures be trusted, and what did the feeds lose?

Last night's data-quality checkpoint (checks passed and failed by category, checks failing
now) and the rows quarantined per feed and file. Programme-wide: GMC viewers see a note
instead, and the GMC filters do not apply.
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


def _checkpoint_panel(conn: psycopg.Connection) -> list[Component]:
    """Last night's checkpoint: expectations passed and failed by category, open failures."""
    runs = q.checkpoint_summary(conn)
    if runs.empty:
        return [empty_note("No data-quality checkpoint has been recorded yet.")]
    by_category = runs.groupby("category", sort=True)[["expectations", "failed"]].sum()
    run_id = str(runs["run_id"].iloc[0])
    fig = figure(
        f"Last night's data-quality checks by category (run {run_id})",
        "Category of check",
        "Expectations (count)",
        barmode="stack",
    )
    passed = by_category["expectations"] - by_category["failed"]
    fig.add_bar(
        x=list(by_category.index),
        y=list(passed),
        name="Passed",
        marker_color=COLOURS[2],
        text=[str(int(v)) for v in passed],
        textposition="inside",
    )
    fig.add_bar(
        x=list(by_category.index),
        y=list(by_category["failed"]),
        name="Failed",
        marker_color=COLOURS[3],
        text=[str(int(v)) if v else "" for v in by_category["failed"]],
        textposition="inside",
    )
    critical = int(runs.loc[runs["severity"] == "critical", "failed"].sum())
    checks = int(runs["expectations"].sum())
    failed = int(runs["failed"].sum())
    kpis = html.Div(
        [
            kpi("Checks run", f"{checks:,}", f"run {run_id}", "kpi-dq-checks"),
            kpi("Checks failed", f"{failed:,}", f"{critical} critical", "kpi-dq-failed"),
            kpi(
                "Checkpoint",
                "passed" if bool(runs["is_checkpoint_success"].all()) else "failed",
                "a critical failure stops promotion",
                "kpi-dq-result",
            ),
        ],
        className="kpis",
    )
    numbers = table(
        runs,
        [
            ("stage", "Stage", show_text),
            ("category", "Category", show_text),
            ("severity", "Severity", show_text),
            ("expectations", "Checks", show_text),
            ("failed", "Failed", show_text),
            ("errored", "Errored", show_text),
            ("validated_at", "Validated at", show_when),
        ],
        "table-dq-checkpoint",
        "Checks by stage, category and severity (counts of checks, not people: shown exactly)",
    )
    failures = q.open_failures(conn)
    failures_table = table(
        failures,
        [
            ("expectation", "Check", show_text),
            ("severity", "Severity", show_text),
            ("stage", "Stage", show_text),
            ("category", "Category", show_text),
            ("unexpected_count", "Offending rows", q.show_count),
            ("failing_since", "Failing since", show_when),
        ],
        "table-dq-failures",
        "Checks failing at their latest validation",
    )
    return [
        kpis,
        html.Div(
            [
                html.Div([graph(fig, "chart-dq-checkpoint")], className="panel"),
                html.Div([numbers], className="panel"),
            ],
            className="row",
        ),
        html.Div([failures_table], className="panel wide"),
    ]


def render(conn: psycopg.Connection, filters: Filters) -> list[Component]:
    """Last night's checkpoint results, and rows quarantined per feed (load ledger)."""
    if not q.readable(conn, "rpt_data_quality_summary"):
        return [programme_only("data quality")]
    checkpoint = (
        _checkpoint_panel(conn)
        if q.readable(conn, "rpt_dq_checkpoint_summary")
        else [empty_note("Checkpoint results are not published in this warehouse.")]
    )
    df = q.quarantine_by_feed(conn)
    labels = [f"{f} / {k}" for f, k in zip(df["feed"], df["kind"], strict=True)]
    fig = figure(
        "Quarantine rate by feed and file (% of delivered rows rejected)",
        "Feed / file",
        "Rows quarantined (%)",
    )
    fig.add_bar(
        x=labels,
        y=[0.0 if q.is_missing(v) else float(v) for v in df["quarantine_rate_pct"]],
        text=[q.show_number(v, 2, "%") for v in df["quarantine_rate_pct"]],
        textposition="outside",
        marker_color=COLOURS[3],
        name="Quarantine rate",
    )
    fig.update_xaxes(type="category", tickangle=-30)
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    numbers = table(
        df,
        [
            ("feed", "Feed", show_text),
            ("kind", "File", show_text),
            ("files", "Files", q.show_count),
            ("files_rejected", "Files rejected", q.show_count),
            ("rows_delivered", "Rows delivered", q.show_count),
            ("rows_loaded", "Rows loaded", q.show_count),
            ("rows_quarantined", "Rows quarantined", q.show_count),
            ("quarantine_rate_pct", "Quarantine rate", lambda v: q.show_number(v, 2, "%")),
        ],
        "table-quarantine",
        "Load reconciliation per feed (all deliveries; GMC filters do not apply)",
    )
    return [
        *checkpoint,
        html.Div([graph(fig, "chart-quarantine"), numbers], className="panel wide"),
    ]


SECTION = Section("quality", "Data quality", render)
