"""Recruitment and sequencing: how many people each GMC recruited, and how fast they moved.

Headline counts (participants, probands, genomes), participants per referral year and
programme, genomes delivered per month, and the pathway's turnaround percentiles per stage
(referral → genome → report → result). The period filter applies to recruitment and
genomes delivered only.
"""

from __future__ import annotations

import psycopg
from dash import html
from dash.development.base_component import Component

from dashboards import queries as q
from dashboards.components import COLOURS, bar_values, figure, graph, kpi, table
from dashboards.display import programme_label, show_days, show_text
from dashboards.queries import Filters
from dashboards.sections.base import Section


def render(conn: psycopg.Connection, filters: Filters) -> list[Component]:
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
            kpi(
                "Participants recruited",
                q.show_count(total["participants"]),
                "all years",
                "kpi-participants",
            ),
            kpi("Probands", q.show_count(total["probands"]), "all years", "kpi-probands"),
            kpi("Genomes delivered", q.show_count(genomes), "to the last night", "kpi-genomes"),
        ],
        className="kpis",
    )

    years = q.recruitment_by_year(conn, filters)
    fig = figure(
        f"Participants recruited per referral year ({period})",
        "Referral year",
        "Participants (count)",
        barmode="group",
    )
    for i, (programme, part) in enumerate(years.groupby("programme", sort=True)):
        heights, texts = bar_values(part["participants"])
        label = programme_label(str(programme))
        fig.add_bar(
            x=part["referral_year"].astype(int),
            y=heights,
            text=texts,
            textposition="outside",
            name=label,
            marker_color=COLOURS[i % len(COLOURS)],
            hovertemplate="%{x}: %{text} participants<extra>" + label + "</extra>",
        )
    fig.update_xaxes(tickmode="linear", dtick=1, tickformat="d")

    months = q.genomes_by_month(conn, filters)
    gfig = figure(
        "Genomes delivered per month of first delivery",
        "Month of first delivery",
        "Genomes (count)",
        barmode="group",
    )
    for i, (sample_type, part) in enumerate(months.groupby("sample_type", sort=True)):
        heights, texts = bar_values(part["genomes"])
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
    tfig = figure(
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
        fig_name = programme_label(str(programme))
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
    tat_table = table(
        tat.assign(programme=tat["programme"].map(programme_label)),
        [
            ("programme", "Programme", show_text),
            ("stage_label", "Stage", show_text),
            ("probands", "Probands", q.show_count),
            ("p25_days", "25th pct (days)", show_days),
            ("median_days", "Median (days)", show_days),
            ("p75_days", "75th pct (days)", show_days),
            ("p90_days", "90th pct (days)", show_days),
        ],
        "table-turnaround",
        "Turnaround in days (disease-group filter does not apply: published per GMC and programme)",
    )
    rec_table = table(
        years.assign(programme=years["programme"].map(programme_label)),
        [
            ("referral_year", "Referral year", show_text),
            ("programme", "Programme", show_text),
            ("participants", "Participants", q.show_count),
            ("probands", "Probands", q.show_count),
        ],
        "table-recruitment",
        "Participants recruited per referral year",
    )
    gen_table = table(
        months.assign(delivery_month=[d.strftime("%b %Y") for d in months["delivery_month"]]),
        [
            ("delivery_month", "Month", show_text),
            ("sample_type", "Sample type", show_text),
            ("genomes", "Genomes", q.show_count),
        ],
        "table-genomes",
        "Genomes delivered per month",
    )
    return [
        kpis,
        html.Div(
            [
                html.Div([graph(fig, "chart-recruitment"), rec_table], className="panel"),
                html.Div([graph(gfig, "chart-genomes"), gen_table], className="panel"),
            ],
            className="row",
        ),
        html.Div([graph(tfig, "chart-turnaround"), tat_table], className="panel wide"),
    ]


SECTION = Section("recruitment", "Recruitment and sequencing", render)
