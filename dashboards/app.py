"""The programme-reporting dashboard (Dash): what programme managers and GMC leads read.

Five sections, each answering one question at a glance:
- Recruitment and sequencing: how many participants each GMC recruited, per year and
  programme; how many genomes were delivered; how long the pathway takes (referral →
  genome → report → result, percentiles in days).
- Diagnosis: diagnostic yield by disease group and by GMC; the tier distribution of reported
  variants; variants that became actionable when a PanelApp update turned their gene green.
- Outcomes: hospital admissions and bed days per person-year in the two years before and
  after the result, solved vs unsolved, with the numbers behind each chart.
- Data quality: last night's checks, and rows quarantined per feed.
- Pipeline status: the last successful night, and how fresh each feed is.

It reads only the `reporting` schema, after switching to the reporting role (see
`dashboards.queries`). Building the app only builds the layout; every query runs inside a
callback, per request, so importing this module touches no database.

Run: `python -m dashboards.app [--port 8050] [--gmc SLO | --role ROLE | --no-role]`
(`make dashboard` does this after `make demo`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboards import queries as q
from dashboards.queries import ALL, Filters

log = logging.getLogger("dashboards")

TITLE = "Genomic Medicine Programme: reporting dashboard"
PROGRAMME_LABELS = {"rare_disease": "Rare disease", "cancer": "Cancer", ALL: "All programmes"}
SIDE_LABELS = {"before": "2 years before result", "after": "2 years after result"}
STATUS_LABELS = {"solved": "Solved (yes or partially)", "unsolved": "Unsolved (no or unknown)"}
COLOURS = ["#005eb8", "#ed8b00", "#009639", "#8a1538", "#41b6e6", "#768692"]
FOOTNOTE = (
    "* Suppressed by statistical disclosure control (NHS England rule for Hospital Episode "
    "Statistics): counts from 1 to 7 are not shown and other counts are rounded to the "
    "nearest 5; totals are computed before rounding, so the parts need not add up to the "
    "total. Percentages, rates and percentiles are shown only where at least 8 people "
    "underlie them. An empty bar marked * is a suppressed figure, not a zero."
)

SECTIONS = [
    ("recruitment", "Recruitment and sequencing"),
    ("diagnosis", "Diagnosis"),
    ("outcomes", "Outcomes after the result"),
    ("quality", "Data quality"),
    ("pipeline", "Pipeline status"),
]


# --- small rendering helpers -------------------------------------------------------------------


def _label(value: str) -> str:
    return PROGRAMME_LABELS.get(value, value)


def _bar_values(series: pd.Series) -> tuple[list[float], list[str]]:
    """Bar heights (suppressed -> 0) and the text on each bar (count or `*`)."""
    heights = [0.0 if q.is_missing(v) else float(v) for v in series]
    texts = [q.show_count(v) for v in series]
    return heights, texts


def _figure(title: str, x_title: str, y_title: str, **layout: Any) -> go.Figure:
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


def _graph(fig: go.Figure, graph_id: str) -> dcc.Graph:
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


def _kpi(label: str, value: str, note: str = "", kpi_id: str | None = None) -> html.Div:
    children = [html.Div(value, className="kpi-value"), html.Div(label, className="kpi-label")]
    if note:
        children.append(html.Div(note, className="kpi-note"))
    return html.Div(children, className="kpi", id=kpi_id or f"kpi-{label.lower()[:20]}")


Column = tuple[str, str, Callable[[object], str]]


def _table(df: pd.DataFrame, columns: Sequence[Column], table_id: str, caption: str) -> html.Div:
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


def _text(value: object) -> str:
    return "" if q.is_missing(value) else str(value)


def _pct(value: object) -> str:
    return q.show_number(value, 1, "%")


def _days(value: object) -> str:
    return q.show_number(value, 1)


def _rate(value: object) -> str:
    return q.show_number(value, 2)


def _when(value: object) -> str:
    if q.is_missing(value):
        return "never"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _empty_note(message: str) -> html.Div:
    return html.Div(message, className="empty-note")


# --- sections -----------------------------------------------------------------------------------


def recruitment_section(conn: Any, filters: Filters) -> list[Any]:
    """Recruitment per year, genomes delivered per month, and turnaround percentiles."""
    total = q.recruitment_total(conn, filters)
    genomes = q.genomes_total(conn, filters)
    period = (
        f"{filters.year_from}–{filters.year_to}"
        if filters.year_from is not None and filters.year_to is not None
        else "all years"
    )
    kpis = html.Div(
        [
            _kpi(
                "Participants recruited",
                q.show_count(total["participants"]),
                "all years",
                "kpi-participants",
            ),
            _kpi("Probands", q.show_count(total["probands"]), "all years", "kpi-probands"),
            _kpi("Genomes delivered", q.show_count(genomes), "to the last night", "kpi-genomes"),
        ],
        className="kpis",
    )

    years = q.recruitment_by_year(conn, filters)
    fig = _figure(
        f"Participants recruited per referral year ({period})",
        "Referral year",
        "Participants (count)",
        barmode="group",
    )
    for i, (programme, part) in enumerate(years.groupby("programme", sort=True)):
        heights, texts = _bar_values(part["participants"])
        fig.add_bar(
            x=part["referral_year"].astype(int),
            y=heights,
            text=texts,
            textposition="outside",
            name=_label(str(programme)),
            marker_color=COLOURS[i % len(COLOURS)],
            hovertemplate="%{x}: %{text} participants<extra>" + _label(str(programme)) + "</extra>",
        )
    fig.update_xaxes(tickmode="linear", dtick=1, tickformat="d")

    months = q.genomes_by_month(conn, filters)
    gfig = _figure(
        "Genomes delivered per month of first delivery",
        "Month of first delivery",
        "Genomes (count)",
        barmode="group",
    )
    for i, (sample_type, part) in enumerate(months.groupby("sample_type", sort=True)):
        heights, texts = _bar_values(part["genomes"])
        gfig.add_bar(
            x=[d.strftime("%b %Y") for d in part["delivery_month"]],
            y=heights,
            text=texts,
            textposition="outside",
            name=f"{str(sample_type).capitalize()} genomes",
            marker_color=COLOURS[(i + 2) % len(COLOURS)],
        )
    gfig.update_xaxes(type="category")

    tat = q.turnaround(conn, filters)
    tfig = _figure(
        "Turnaround: days per pathway stage (bar = median, whiskers = 25th–75th "
        "percentile, ◆ = 90th)",
        "Pathway stage",
        "Days",
        barmode="group",
    )
    for i, (programme, part) in enumerate(tat.groupby("programme", sort=True)):
        median = [0.0 if q.is_missing(v) else float(v) for v in part["median_days"]]
        upper = [
            0.0 if q.is_missing(p75) or q.is_missing(m) else float(p75) - float(m)
            for p75, m in zip(part["p75_days"], part["median_days"], strict=True)
        ]
        lower = [
            0.0 if q.is_missing(p25) or q.is_missing(m) else float(m) - float(p25)
            for p25, m in zip(part["p25_days"], part["median_days"], strict=True)
        ]
        colour = COLOURS[i % len(COLOURS)]
        fig_name = _label(str(programme))
        tfig.add_bar(
            x=part["stage_label"],
            y=median,
            text=[q.show_number(v, 0) for v in part["median_days"]],
            textposition="inside",
            insidetextanchor="start",
            name=f"{fig_name}: median",
            marker_color=colour,
            error_y={"type": "data", "symmetric": False, "array": upper, "arrayminus": lower},
            offsetgroup=str(i),
        )
        tfig.add_scatter(
            x=part["stage_label"],
            y=[None if q.is_missing(v) else float(v) for v in part["p90_days"]],
            mode="markers",
            marker={"symbol": "diamond", "size": 10, "color": colour},
            name=f"{fig_name}: 90th percentile",
            offsetgroup=str(i),
        )
    tat_table = _table(
        tat.assign(programme=tat["programme"].map(_label)),
        [
            ("programme", "Programme", _text),
            ("stage_label", "Stage", _text),
            ("probands", "Probands", q.show_count),
            ("p25_days", "25th pct (days)", _days),
            ("median_days", "Median (days)", _days),
            ("p75_days", "75th pct (days)", _days),
            ("p90_days", "90th pct (days)", _days),
        ],
        "table-turnaround",
        "Turnaround in days (disease-group filter does not apply: published per GMC and programme)",
    )
    rec_table = _table(
        years.assign(programme=years["programme"].map(_label)),
        [
            ("referral_year", "Referral year", _text),
            ("programme", "Programme", _text),
            ("participants", "Participants", q.show_count),
            ("probands", "Probands", q.show_count),
        ],
        "table-recruitment",
        "Participants recruited per referral year",
    )
    gen_table = _table(
        months.assign(delivery_month=[d.strftime("%b %Y") for d in months["delivery_month"]]),
        [
            ("delivery_month", "Month", _text),
            ("sample_type", "Sample type", _text),
            ("genomes", "Genomes", q.show_count),
        ],
        "table-genomes",
        "Genomes delivered per month",
    )
    return [
        kpis,
        html.Div(
            [
                html.Div([_graph(fig, "chart-recruitment"), rec_table], className="panel"),
                html.Div([_graph(gfig, "chart-genomes"), gen_table], className="panel"),
            ],
            className="row",
        ),
        html.Div([_graph(tfig, "chart-turnaround"), tat_table], className="panel wide"),
    ]


def diagnosis_section(conn: Any, filters: Filters) -> list[Any]:
    """Diagnostic yield by disease group and GMC, tiers, and newly actionable variants."""
    by_group = q.yield_by_disease_group(conn, filters)
    labels = ["All disease groups" if g == ALL else g for g in by_group["disease_group"]]
    yfig = _figure(
        "Diagnostic yield by disease group (% of families with a result that were solved)",
        "Diagnostic yield (%)",
        "Disease group",
        height=max(320, 60 + 34 * len(by_group)),
    )
    yfig.add_bar(
        y=labels,
        x=[0.0 if q.is_missing(v) else float(v) for v in by_group["yield_pct"]],
        text=[
            f"{_pct(p)} ({q.show_count(s)} of {q.show_count(r)} families)"
            for p, s, r in zip(
                by_group["yield_pct"],
                by_group["families_solved"],
                by_group["families_reported"],
                strict=True,
            )
        ],
        textposition="outside",
        orientation="h",
        marker_color=[COLOURS[1] if g == ALL else COLOURS[0] for g in by_group["disease_group"]],
        name="Yield",
        cliponaxis=False,
    )
    yfig.update_yaxes(autorange="reversed", automargin=True)
    yfig.update_xaxes(range=[0, 100], ticksuffix="%")
    yfig.update_layout(margin={"l": 60, "r": 200, "t": 60, "b": 60})

    by_gmc = q.yield_by_gmc(conn, filters)
    gfig = _figure("Diagnostic yield by GMC (%)", "Genomic Medicine Centre", "Diagnostic yield (%)")
    gfig.add_bar(
        x=["All GMCs" if g == ALL else g for g in by_gmc["gmc_code"]],
        y=[0.0 if q.is_missing(v) else float(v) for v in by_gmc["yield_pct"]],
        text=[_pct(v) for v in by_gmc["yield_pct"]],
        textposition="outside",
        marker_color=[COLOURS[1] if g == ALL else COLOURS[0] for g in by_gmc["gmc_code"]],
        name="Yield",
    )
    gfig.update_yaxes(range=[0, 100], ticksuffix="%")
    gfig.update_xaxes(type="category")

    tiers = q.tier_distribution(conn, filters)
    tfig = _figure("Tier distribution of reported variants", "Tier", "Count", barmode="group")
    for i, (column, name) in enumerate([("variants", "Variants"), ("families", "Families")]):
        heights, texts = _bar_values(tiers[column])
        tfig.add_bar(
            x=[f"Tier {int(t)}" for t in tiers["tier"]],
            y=heights,
            text=texts,
            textposition="outside",
            name=name,
            marker_color=COLOURS[i],
        )

    actionable = q.newly_actionable(conn, filters)
    last_update = q.last_panel_update(conn)
    per_update = actionable[~actionable["is_all_updates"].astype(bool)]
    at_last = per_update[per_update["panel_update_date"] == last_update]
    if at_last.empty:
        last_variants, last_families = 0, 0
    else:
        last_variants, last_families = at_last.iloc[0]["variants"], at_last.iloc[0]["families"]
    update_note = (
        f"after the last panel update ({_when(last_update)})"
        if last_update
        else "no panel update has made a variant actionable here"
    )
    afig = _figure(
        "Newly actionable variants per PanelApp update",
        "Night of the panel update",
        "Variants (count)",
        barmode="group",
    )
    for i, (column, name) in enumerate(
        [("tier1_variants", "Tier 1"), ("tier2_variants", "Tier 2"), ("families", "Families")]
    ):
        heights, texts = _bar_values(per_update[column])
        afig.add_bar(
            x=[_when(d) for d in per_update["panel_update_date"]],
            y=heights,
            text=texts,
            textposition="outside",
            name=name,
            marker_color=COLOURS[i],
        )
    afig.update_xaxes(type="category")
    afig.update_yaxes(title_text="Count")

    yield_table = _table(
        by_group.assign(
            disease_group=[
                "All disease groups" if g == ALL else g for g in by_group["disease_group"]
            ]
        ),
        [
            ("disease_group", "Disease group", _text),
            ("families_reported", "Families with a result", q.show_count),
            ("families_solved", "Solved", q.show_count),
            ("families_partially_solved", "Partially solved", q.show_count),
            ("yield_pct", "Yield", _pct),
            ("yield_incl_partial_pct", "Yield incl. partial", _pct),
        ],
        "table-yield",
        "Diagnostic yield by disease group",
    )
    tier_table = _table(
        tiers.assign(tier=[f"Tier {int(t)}" for t in tiers["tier"]]),
        [
            ("tier", "Tier", _text),
            ("variants", "Variants", q.show_count),
            ("families", "Families", q.show_count),
        ],
        "table-tiers",
        "Reported variants by tier (highest tier per family variant)",
    )
    actionable_table = _table(
        per_update.assign(panel_update_date=[_when(d) for d in per_update["panel_update_date"]]),
        [
            ("panel_update_date", "Panel update", _text),
            ("tier1_variants", "Tier 1 variants", q.show_count),
            ("tier2_variants", "Tier 2 variants", q.show_count),
            ("variants", "All variants", q.show_count),
            ("families", "Families", q.show_count),
        ],
        "table-actionable",
        "Newly actionable variants per panel update (counts only)",
    )
    kpis = html.Div(
        [
            _kpi(
                "Newly actionable variants",
                q.show_count(last_variants),
                update_note,
                "kpi-actionable-variants",
            ),
            _kpi(
                "Families to recontact",
                q.show_count(last_families),
                update_note,
                "kpi-actionable-families",
            ),
        ],
        className="kpis",
    )
    return [
        html.Div(
            [
                html.Div([_graph(yfig, "chart-yield"), yield_table], className="panel"),
                html.Div([_graph(gfig, "chart-yield-gmc")], className="panel"),
            ],
            className="row",
        ),
        html.Div(
            [
                html.Div([_graph(tfig, "chart-tiers"), tier_table], className="panel"),
                html.Div(
                    [kpis, _graph(afig, "chart-actionable"), actionable_table],
                    className="panel",
                ),
            ],
            className="row",
        ),
    ]


def outcomes_section(conn: Any, filters: Filters) -> list[Any]:
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
        fig = _figure(title, "MDT outcome of the case", y_title, barmode="group")
        for i, side in enumerate(["before", "after"]):
            part = df[df["window_side"] == side]
            fig.add_bar(
                x=[STATUS_LABELS.get(s, s) for s in part["solved_status"]],
                y=[0.0 if q.is_missing(v) else float(v) for v in part[column]],
                text=[_rate(v) for v in part[column]],
                textposition="outside",
                name=SIDE_LABELS[side],
                marker_color=COLOURS[i],
            )
        charts.append(html.Div([_graph(fig, graph_id)], className="panel"))
    table = _table(
        df.assign(
            solved_status=[STATUS_LABELS.get(s, s) for s in df["solved_status"]],
            window_side=[SIDE_LABELS.get(s, s) for s in df["window_side"]],
        ),
        [
            ("solved_status", "Case", _text),
            ("window_side", "Window", _text),
            ("participants", "Probands", q.show_count),
            ("person_years", "Person-years", lambda v: q.show_number(v, 1)),
            ("admissions", "Admissions", q.show_count),
            ("emergency_admissions", "Emergency admissions", q.show_count),
            ("bed_days", "Bed days", q.show_count),
            ("admissions_per_person_year", "Admissions / person-year", _rate),
            ("emergency_admissions_per_person_year", "Emergency adm. / person-year", _rate),
            ("bed_days_per_person_year", "Bed days / person-year", _rate),
        ],
        "table-outcomes",
        "The numbers behind the outcome charts (probands with a recorded result; follow-up "
        "ends at death or the end of HES coverage)",
    )
    return [html.Div(charts, className="row"), html.Div([table], className="panel wide")]


PROGRAMME_ONLY = (
    "Programme-wide {what} is shown to programme-level viewers (gwh_reporting) only; "
    "this view is restricted to one GMC."
)


def _checkpoint_panel(conn: Any) -> list[Any]:
    """Last night's checkpoint: expectations passed and failed by category, open failures."""
    runs = q.checkpoint_summary(conn)
    if runs.empty:
        return [_empty_note("No data-quality checkpoint has been recorded yet.")]
    by_category = runs.groupby("category", sort=True)[["expectations", "failed"]].sum()
    run_id = str(runs["run_id"].iloc[0])
    fig = _figure(
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
            _kpi("Checks run", f"{checks:,}", f"run {run_id}", "kpi-dq-checks"),
            _kpi("Checks failed", f"{failed:,}", f"{critical} critical", "kpi-dq-failed"),
            _kpi(
                "Checkpoint",
                "passed" if bool(runs["is_checkpoint_success"].all()) else "failed",
                "a critical failure stops promotion",
                "kpi-dq-result",
            ),
        ],
        className="kpis",
    )
    table = _table(
        runs,
        [
            ("stage", "Stage", _text),
            ("category", "Category", _text),
            ("severity", "Severity", _text),
            ("expectations", "Checks", _text),
            ("failed", "Failed", _text),
            ("errored", "Errored", _text),
            ("validated_at", "Validated at", _when),
        ],
        "table-dq-checkpoint",
        "Checks by stage, category and severity (counts of checks, not people: shown exactly)",
    )
    failures = q.open_failures(conn)
    failures_table = _table(
        failures,
        [
            ("expectation", "Check", _text),
            ("severity", "Severity", _text),
            ("stage", "Stage", _text),
            ("category", "Category", _text),
            ("unexpected_count", "Offending rows", q.show_count),
            ("failing_since", "Failing since", _when),
        ],
        "table-dq-failures",
        "Checks failing at their latest validation",
    )
    return [
        kpis,
        html.Div(
            [
                html.Div([_graph(fig, "chart-dq-checkpoint")], className="panel"),
                html.Div([table], className="panel"),
            ],
            className="row",
        ),
        html.Div([failures_table], className="panel wide"),
    ]


def quality_section(conn: Any, filters: Filters) -> list[Any]:
    """Last night's checkpoint results, and rows quarantined per feed (load ledger)."""
    if not q.readable(conn, "rpt_data_quality_summary"):
        return [_empty_note(PROGRAMME_ONLY.format(what="data quality"))]
    checkpoint = (
        _checkpoint_panel(conn)
        if q.readable(conn, "rpt_dq_checkpoint_summary")
        else [_empty_note("Checkpoint results are not published in this warehouse.")]
    )
    df = q.quarantine_by_feed(conn)
    labels = [f"{f} / {k}" for f, k in zip(df["feed"], df["kind"], strict=True)]
    fig = _figure(
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
    table = _table(
        df,
        [
            ("feed", "Feed", _text),
            ("kind", "File", _text),
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
    return [*checkpoint, html.Div([_graph(fig, "chart-quarantine"), table], className="panel wide")]


def pipeline_section(conn: Any, filters: Filters) -> list[Any]:
    """The last successful night and each feed's freshness."""
    if not q.readable(conn, "rpt_dashboard_pipeline_status"):
        return [_empty_note(PROGRAMME_ONLY.format(what="pipeline status"))]
    status = q.pipeline_status(conn)
    fresh = q.feed_freshness(conn)
    if status is None:
        return [_empty_note("No night has been published yet.")]
    kpis = html.Div(
        [
            _kpi(
                "Last successful night",
                _when(status.last_successful_night),
                "the night now published",
                "kpi-last-night",
            ),
            _kpi("Reporting built", _when(status.reporting_built_at), "", "kpi-built-at"),
            _kpi("Nights loaded", str(status.nights_loaded), "", "kpi-nights"),
            _kpi(
                "Rows delivered last night",
                q.show_count(status.rows_delivered_last_night),
                f"{q.show_count(status.rows_quarantined_last_night)} quarantined",
                "kpi-rows",
            ),
        ],
        className="kpis",
    )
    fig = _figure(
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
    table = _table(
        fresh.assign(is_current=["current" if bool(c) else "behind" for c in fresh["is_current"]]),
        [
            ("feed", "Feed", _text),
            ("cadence", "Cadence", _text),
            ("last_delivery_date", "Latest delivery", _when),
            ("days_behind_night", "Days behind", _text),
            ("is_current", "Status", _text),
            ("files_rejected", "Files rejected", q.show_count),
            ("rows_delivered", "Rows", q.show_count),
            ("rows_quarantined", "Rows quarantined", q.show_count),
            ("last_loaded_at", "Loaded at", _when),
        ],
        "table-freshness",
        "Latest delivery of each feed",
    )
    return [kpis, html.Div([_graph(fig, "chart-freshness"), table], className="panel wide")]


SECTION_BUILDERS: dict[str, Callable[[Any, Filters], list[Any]]] = {
    "recruitment": recruitment_section,
    "diagnosis": diagnosis_section,
    "outcomes": outcomes_section,
    "quality": quality_section,
    "pipeline": pipeline_section,
}


def _safe(name: str, builder: Callable[[Any, Filters], list[Any]], conn: Any, filters: Filters):
    """One failing section shows its own error; the others still render."""
    try:
        return builder(conn, filters)
    except q.DisclosureError as exc:
        log.error("section %s refused: %s", name, exc)
        return [html.Div(f"This section is withheld: {exc}", className="section-error")]
    except Exception:
        log.exception("section %s failed", name)
        return [
            html.Div(
                "This section could not be loaded (see the dashboard's log).",
                className="section-error",
            )
        ]


# --- the app ------------------------------------------------------------------------------------


def _dropdown(label: str, component_id: str, class_name: str) -> html.Div:
    """A labelled filter dropdown, starting at ALL (its options come from the data)."""
    return html.Div(
        [
            html.Label(label, htmlFor=component_id),
            dcc.Dropdown(id=component_id, value=ALL, clearable=False),
        ],
        className=class_name,
    )


def build_layout() -> html.Div:
    """The page skeleton: filters, the five sections and the disclosure footnote (no data)."""
    filters = html.Div(
        [
            _dropdown("GMC", "filter-gmc", "filter"),
            _dropdown("Programme", "filter-programme", "filter"),
            _dropdown("Disease group", "filter-disease", "filter wide-filter"),
            html.Div(
                [
                    html.Label("Period (referral / delivery year)", htmlFor="filter-period"),
                    dcc.RangeSlider(
                        id="filter-period",
                        min=2015,
                        max=2025,
                        step=1,
                        value=None,
                        marks=None,
                        tooltip={"placement": "bottom"},
                    ),
                ],
                className="filter wide-filter",
            ),
        ],
        className="filters",
        id="filters",
    )
    sections = [
        html.Section(
            [html.H2(title), dcc.Loading(html.Div(id=f"{key}-body", className="section-body"))],
            id=f"section-{key}",
            className="section",
        )
        for key, title in SECTIONS
    ]
    return html.Div(
        [
            dcc.Location(id="url"),
            dcc.Store(id="options-store"),
            html.Header(
                [html.H1(TITLE), html.Div(id="status-banner", className="status-banner")],
                className="header",
            ),
            filters,
            html.P(
                "The period filter applies to recruitment and genomes delivered; the other "
                "figures are cumulative to the last successful night.",
                className="filter-note",
            ),
            *sections,
            html.Footer(html.P(FOOTNOTE, id="disclosure-footnote"), className="footnote"),
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
    def load_options(_pathname: str | None):
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
            banner = f"Data as of the last successful night: {_when(status.last_successful_night)}"
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
            + [{"label": _label(p), "value": p} for p in options.programmes],
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
    def disease_options(programme: str | None, store: dict | None, current: str | None):
        if not store:
            raise PreventUpdate
        groups = store["disease_groups"].get(programme or ALL, [])
        options = [{"label": "All disease groups", "value": ALL}] + [
            {"label": g, "value": g} for g in groups
        ]
        return options, current if current in groups else ALL

    @app.callback(
        [Output(f"{key}-body", "children") for key, _ in SECTIONS],
        Input("filter-gmc", "value"),
        Input("filter-programme", "value"),
        Input("filter-disease", "value"),
        Input("filter-period", "value"),
        Input("options-store", "data"),
    )
    def render_sections(gmc, programme, disease, period, store):
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
            return [_safe(key, SECTION_BUILDERS[key], conn, filters) for key, _ in SECTIONS]

    return app


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m dashboards.app` (also checked by the compose test)."""
    parser = argparse.ArgumentParser(prog="python -m dashboards.app", description=TITLE)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8050)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help="warehouse URL (default: the project's rule)")
    where.add_argument(
        "--demo",
        action="store_true",
        help="read the warehouse `make demo` built (database gwh_demo on the chosen server)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--role", default=q.REPORTING_ROLE, help="role to read as")
    who.add_argument("--gmc", help="read as this GMC's role (sees only that GMC)")
    who.add_argument(
        "--no-role", action="store_true", help="do not switch role (development server only)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the dashboard on localhost (see module docstring)."""
    from loaders import db

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.demo:
        from loaders.demo import DEMO_DATABASE

        url = db.with_database(db.resolve_server().url, DEMO_DATABASE)
    else:
        url = args.url or db.warehouse_url()
    role = None if args.no_role else (q.gmc_role(args.gmc) if args.gmc else args.role)
    if role is not None and not q.role_exists(url, role):
        print(
            f"role {role} does not exist on the warehouse server: run `gwh db init` to create "
            "the reporting roles, or pass --no-role on a development server",
            file=sys.stderr,
        )
        return 2
    app = create_app(url, role)
    print(f"dashboard: http://{args.host}:{args.port}/ ({'as ' + role if role else 'no role'})")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
