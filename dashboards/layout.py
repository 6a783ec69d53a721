"""The pieces of the page that hold no data: header, filter bar, section shells and footer.

They are built once, when the app is created; the callbacks in `dashboards.app` then fill
the filter options, the status banner and each section's body per request. The ids given
here are what those callbacks (and the browser test) address, so they are part of the
page's contract.
"""

from __future__ import annotations

from dash import dcc, html

from dashboards.display import FOOTNOTE
from dashboards.queries import ALL

TITLE = "Genomic Medicine Programme: reporting dashboard"

FILTER_NOTE = (
    "The period filter applies to recruitment and genomes delivered; the other "
    "figures are cumulative to the last successful night."
)


def header() -> html.Header:
    """The title, with the banner saying which night the data is from and who is viewing."""
    return html.Header(
        [html.H1(TITLE), html.Div(id="status-banner", className="status-banner")],
        className="header",
    )


def _dropdown(label: str, component_id: str, class_name: str) -> html.Div:
    """A labelled filter dropdown, starting at ALL (its options come from the data)."""
    return html.Div(
        [
            html.Label(label, htmlFor=component_id),
            dcc.Dropdown(id=component_id, value=ALL, clearable=False),
        ],
        className=class_name,
    )


def filter_bar() -> html.Div:
    """GMC, programme, disease group and period; empty until the options callback fills them."""
    return html.Div(
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


def filter_note() -> html.P:
    """Which figures the period filter narrows (the rest run to the last night)."""
    return html.P(FILTER_NOTE, className="filter-note")


def section_shell(key: str, title: str) -> html.Section:
    """A section's heading and the empty body (`<key>-body`) its rendering fills."""
    return html.Section(
        [html.H2(title), dcc.Loading(html.Div(id=f"{key}-body", className="section-body"))],
        id=f"section-{key}",
        className="section",
    )


def footer() -> html.Footer:
    """The disclosure-control footnote that explains every `*` on the page."""
    return html.Footer(html.P(FOOTNOTE, id="disclosure-footnote"), className="footnote")
