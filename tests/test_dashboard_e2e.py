"""End-to-end: the dashboard served on localhost, read in headless Chromium, as a person sees it.

A small demo warehouse is built the way the nightly pipeline builds it (simulate 150
participants over 3 nights with a few planted defects → load → variants load → dbt build →
promote). The dashboard runs as `python -m dashboards` on a free port; Debian's
chromium (driven by Playwright, which must not download a browser of its own) opens it,
checks that every section renders real figures and no error, applies a GMC filter, and
saves screenshots under test-artifacts/dashboard/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from support import dashboard as support

from dashboards import queries as q
from warehouse import db
from warehouse.config import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SECTIONS = ["recruitment", "diagnosis", "outcomes", "quality", "pipeline"]
#: A figure as the tables show it: a count, a rate, a percentage or a date.
FIGURE = re.compile(r"^-?\d[\d,]*(\.\d+)?%?$")
LOAD_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def demo_url(pg_server: db.ServerChoice, tmp_path_factory) -> Iterator[str]:
    url = support.build_demo_warehouse(
        pg_server.url, tmp_path_factory.mktemp("dashboard"), participants=150, seed=1
    )
    try:
        yield url
    finally:
        db.drop_database(url)


@pytest.fixture(scope="module")
def server(demo_url: str) -> Iterator[support.DashboardServer]:
    srv = support.DashboardServer(demo_url)  # as gwh_reporting, the default role
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def artifacts():
    folder = support.ARTIFACTS
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def page(tmp_path) -> Iterator[Page]:
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh user-data-dir per test
            executable_path=support.CHROMIUM,
            args=support.CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def _wait_rendered(page: Page) -> None:
    """Every section has drawn its charts (Plotly SVG) or, for pipeline, its figures."""
    for section in SECTIONS:
        page.wait_for_selector(
            f"#{section}-body .kpi, #{section}-body .section-error, #{section}-body .empty-note, "
            f"#{section}-body .js-plotly-plot .main-svg",
            timeout=LOAD_TIMEOUT_MS,
        )
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')",
        timeout=LOAD_TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # let Plotly finish laying out text


def _cell_texts(page: Page, section: str) -> list[str]:
    return [t.strip() for t in page.locator(f"#section-{section} td").all_inner_texts()]


def _published_cell(url: str, gmc: str) -> int | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select participants from reporting.rpt_dashboard_recruitment where gmc_code = %s "
            "and programme = 'ALL' and disease_group = 'ALL' and is_all_years",
            (gmc,),
        ).fetchone()
    return row[0] if row else 0


def test_every_section_renders_real_figures(page: Page, server, demo_url, artifacts):
    page.goto(server.base)
    _wait_rendered(page)
    page.screenshot(path=str(artifacts / "00-full-page.png"), full_page=True)

    assert page.locator(".section-error").count() == 0, server.output()[-4000:]
    for i, section in enumerate(SECTIONS, start=1):
        body = page.locator(f"#section-{section}")
        expect(body).to_be_visible()
        body.screenshot(path=str(artifacts / f"{i:02d}-{section}.png"))
        figures = [t for t in _cell_texts(page, section) if FIGURE.match(t) and t not in {"0"}]
        assert figures, f"section {section} shows no figure other than 0 or *"
        # Every chart has a title and both axis titles.
        charts = page.locator(f"#section-{section} .js-plotly-plot")
        assert charts.count() >= 1
        for c in range(charts.count()):
            chart = charts.nth(c)
            assert (chart.locator(".gtitle").text_content() or "").strip(), (
                f"untitled chart in {section}"
            )
            assert chart.locator(".xtitle").count() == 1, f"chart without x title in {section}"
            assert chart.locator(".ytitle").count() == 1, f"chart without y title in {section}"

    # Disclosure control is visible: suppressed cells show `*`, explained by the footnote.
    all_cells = [t for s in SECTIONS for t in _cell_texts(page, s)]
    assert "*" in all_cells
    footnote = page.locator("#disclosure-footnote")
    expect(footnote).to_contain_text("counts from 1 to 7 are not shown")
    # The headline figure is the published cell, formatted as published.
    expected = q.show_count(_published_cell(demo_url, q.ALL))
    expect(page.locator("#kpi-participants .kpi-value")).to_have_text(expected)
    expect(page.locator("#status-banner")).to_contain_text("last successful night: 2025-07-01")
    expect(page.locator("#status-banner")).to_contain_text("viewing as gwh_reporting")


def test_gmc_filter_narrows_every_gmc_section(page: Page, server, demo_url, artifacts):
    with psycopg.connect(demo_url) as conn:
        gmc, name = conn.execute(
            "select r.gmc_code, min(n.gmc_name) from reporting.rpt_dashboard_recruitment r "
            "join reporting.rpt_recruitment_by_gmc_month n using (gmc_code) "
            "where r.gmc_code <> 'ALL' and r.programme = 'ALL' and r.disease_group = 'ALL' "
            "and r.is_all_years group by r.gmc_code, r.participants "
            "order by r.participants desc nulls last, r.gmc_code limit 1"
        ).fetchone()
    page.goto(server.base)
    _wait_rendered(page)
    before = page.locator("#chart-yield-gmc .xtick").count()
    assert before > 2  # all GMCs plus the all-GMC bar

    page.locator("#filter-gmc").click()
    page.get_by_role("option", name=f"{name} ({gmc})").click()
    # The yield-by-GMC chart now shows only the chosen GMC, and the KPI its published cell.
    expect(page.locator("#chart-yield-gmc .xtick")).to_have_count(1, timeout=LOAD_TIMEOUT_MS)
    _wait_rendered(page)
    expect(page.locator("#chart-yield-gmc .xtick")).to_have_text([gmc])
    expected = q.show_count(_published_cell(demo_url, gmc))
    expect(page.locator("#kpi-participants .kpi-value")).to_have_text(expected)
    assert page.locator(".section-error").count() == 0, server.output()[-4000:]
    page.screenshot(path=str(artifacts / f"10-filter-gmc-{gmc}.png"), full_page=True)


def test_missing_role_is_refused_with_a_clear_message(demo_url):
    result = subprocess.run(
        [sys.executable, "-m", "dashboards", "--url", demo_url, "--role", "gwh_no_such"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "role gwh_no_such does not exist" in result.stderr


def test_a_gmc_role_sees_only_its_own_gmc(page: Page, demo_url, artifacts):
    with psycopg.connect(demo_url) as conn:
        gmc = conn.execute(
            "select gmc_code from reporting.rpt_dashboard_recruitment where gmc_code <> 'ALL' "
            "and programme = 'ALL' and disease_group = 'ALL' and is_all_years "
            "order by participants desc nulls last, gmc_code limit 1"
        ).fetchone()[0]
    srv = support.DashboardServer(demo_url, "--gmc", gmc)
    try:
        srv.wait_ready()
        page.goto(srv.base)
        _wait_rendered(page)
        expect(page.locator("#status-banner")).to_contain_text(f"viewing as {q.gmc_role(gmc)}")
        # Row-level security leaves one GMC: no 'All GMCs', no other GMC, anywhere.
        expect(page.locator("#chart-yield-gmc .xtick")).to_have_text([gmc])
        page.locator("#filter-gmc").click()
        expect(page.get_by_role("option")).to_have_count(1)
        page.keyboard.press("Escape")
        expected = q.show_count(_published_cell(demo_url, gmc))
        expect(page.locator("#kpi-participants .kpi-value")).to_have_text(expected)
        # Programme-wide sections are withheld from a GMC viewer, with the reason.
        for section in ("quality", "pipeline"):
            expect(page.locator(f"#{section}-body")).to_contain_text("restricted to one GMC")
        assert page.locator(".section-error").count() == 0, srv.output()[-4000:]
        page.screenshot(path=str(artifacts / f"20-role-{q.gmc_role(gmc)}.png"), full_page=True)
    finally:
        srv.stop()
