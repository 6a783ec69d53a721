"""Diagnosis: how often a genome answers the clinical question, and what became actionable.

Diagnostic yield by disease group and by GMC, the tier distribution of reported variants,
and the variants that became actionable because a PanelApp update turned their gene green
(with the families to recontact after the latest update).
"""

from __future__ import annotations

import psycopg
from dash import html
from dash.development.base_component import Component

from dashboards import queries as q
from dashboards.components import COLOURS, bar_values, figure, graph, kpi, table
from dashboards.display import show_pct, show_text, show_when
from dashboards.queries import ALL, Filters
from dashboards.sections.base import Section


def render(conn: psycopg.Connection, filters: Filters) -> list[Component]:
    """Diagnostic yield by disease group and GMC, tiers, and newly actionable variants."""
    by_group = q.yield_by_disease_group(conn, filters)
    labels = ["All disease groups" if g == ALL else g for g in by_group["disease_group"]]
    yfig = figure(
        "Diagnostic yield by disease group (% of families with a result that were solved)",
        "Diagnostic yield (%)",
        "Disease group",
        height=max(320, 60 + 34 * len(by_group)),
    )
    yfig.add_bar(
        y=labels,
        x=[0.0 if q.is_missing(v) else float(v) for v in by_group["yield_pct"]],
        text=[
            f"{show_pct(p)} ({q.show_count(s)} of {q.show_count(r)} families)"
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
    gfig = figure("Diagnostic yield by GMC (%)", "Genomic Medicine Centre", "Diagnostic yield (%)")
    gfig.add_bar(
        x=["All GMCs" if g == ALL else g for g in by_gmc["gmc_code"]],
        y=[0.0 if q.is_missing(v) else float(v) for v in by_gmc["yield_pct"]],
        text=[show_pct(v) for v in by_gmc["yield_pct"]],
        textposition="outside",
        marker_color=[COLOURS[1] if g == ALL else COLOURS[0] for g in by_gmc["gmc_code"]],
        name="Yield",
    )
    gfig.update_yaxes(range=[0, 100], ticksuffix="%")
    gfig.update_xaxes(type="category")

    tiers = q.tier_distribution(conn, filters)
    tfig = figure("Tier distribution of reported variants", "Tier", "Count", barmode="group")
    for i, (column, name) in enumerate([("variants", "Variants"), ("families", "Families")]):
        heights, texts = bar_values(tiers[column])
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
        f"after the last panel update ({show_when(last_update)})"
        if last_update
        else "no panel update has made a variant actionable here"
    )
    afig = figure(
        "Newly actionable variants per PanelApp update",
        "Night of the panel update",
        "Variants (count)",
        barmode="group",
    )
    for i, (column, name) in enumerate(
        [("tier1_variants", "Tier 1"), ("tier2_variants", "Tier 2"), ("families", "Families")]
    ):
        heights, texts = bar_values(per_update[column])
        afig.add_bar(
            x=[show_when(d) for d in per_update["panel_update_date"]],
            y=heights,
            text=texts,
            textposition="outside",
            name=name,
            marker_color=COLOURS[i],
        )
    afig.update_xaxes(type="category")
    afig.update_yaxes(title_text="Count")

    yield_table = table(
        by_group.assign(
            disease_group=[
                "All disease groups" if g == ALL else g for g in by_group["disease_group"]
            ]
        ),
        [
            ("disease_group", "Disease group", show_text),
            ("families_reported", "Families with a result", q.show_count),
            ("families_solved", "Solved", q.show_count),
            ("families_partially_solved", "Partially solved", q.show_count),
            ("yield_pct", "Yield", show_pct),
            ("yield_incl_partial_pct", "Yield incl. partial", show_pct),
        ],
        "table-yield",
        "Diagnostic yield by disease group",
    )
    tier_table = table(
        tiers.assign(tier=[f"Tier {int(t)}" for t in tiers["tier"]]),
        [
            ("tier", "Tier", show_text),
            ("variants", "Variants", q.show_count),
            ("families", "Families", q.show_count),
        ],
        "table-tiers",
        "Reported variants by tier (highest tier per family variant)",
    )
    actionable_table = table(
        per_update.assign(
            panel_update_date=[show_when(d) for d in per_update["panel_update_date"]]
        ),
        [
            ("panel_update_date", "Panel update", show_text),
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
            kpi(
                "Newly actionable variants",
                q.show_count(last_variants),
                update_note,
                "kpi-actionable-variants",
            ),
            kpi(
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
                html.Div([graph(yfig, "chart-yield"), yield_table], className="panel"),
                html.Div([graph(gfig, "chart-yield-gmc")], className="panel"),
            ],
            className="row",
        ),
        html.Div(
            [
                html.Div([graph(tfig, "chart-tiers"), tier_table], className="panel"),
                html.Div(
                    [kpis, graph(afig, "chart-actionable"), actionable_table],
                    className="panel",
                ),
            ],
            className="row",
        ),
    ]


SECTION = Section("diagnosis", "Diagnosis", render)
