"""Unit tests of the dashboard's queries (dashboards/queries.py) on a real PostgreSQL.

Each test writes a few hand-made rows into `reporting` tables shaped like the dbt models'
output and checks that a filter selection reads exactly the published cell (never a sum of
rounded parts), that uncontrolled counts are refused, and that the connection is read-only.
The browser test (test_dashboard_e2e.py) runs the same queries on dbt-built tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import psycopg
import pytest

from dashboards import queries as q
from dashboards.queries import ALL, Filters
from warehouse import db

pytestmark = pytest.mark.e2e

DDL = """
create table reporting.rpt_dashboard_recruitment (
    gmc_code text, programme text, disease_group text, referral_year integer,
    is_all_years boolean, participants integer, probands integer);
create table reporting.rpt_recruitment_by_gmc_month (
    gmc_code text, gmc_name text, programme text, referral_month date, participants integer);
create table reporting.rpt_dashboard_genomes_delivered (
    gmc_code text, programme text, disease_group text, sample_type text,
    delivery_month date, is_all_months boolean, genomes integer);
create table reporting.rpt_turnaround (
    gmc_code text, programme text, stage text, probands integer, p25_days numeric,
    median_days numeric, p75_days numeric, p90_days numeric);
create table reporting.rpt_dashboard_yield (
    gmc_code text, programme text, disease_group text, families_reported integer,
    families_solved integer, families_partially_solved integer, yield_pct numeric,
    yield_incl_partial_pct numeric);
create table reporting.rpt_dashboard_tiers (
    gmc_code text, programme text, disease_group text, tier smallint, variants integer,
    families integer);
create table reporting.rpt_dashboard_newly_actionable (
    gmc_code text, programme text, disease_group text, panel_update_date date,
    is_all_updates boolean, last_panel_update_date date, variants integer,
    tier1_variants integer, tier2_variants integer, families integer);
create table reporting.rpt_dashboard_pipeline_status (
    last_successful_night date, nights_loaded bigint, files_last_night integer,
    files_rejected_last_night integer, rows_delivered_last_night integer,
    rows_quarantined_last_night integer, last_loaded_at timestamptz,
    reporting_built_at timestamptz);
"""

RD, CA = "rare_disease", "cancer"
CARDIO, RENAL = "Cardiovascular disorders", "Renal and urinary tract disorders"


@pytest.fixture(scope="module")
def reporting_url(pg_server: db.ServerChoice) -> Iterator[str]:
    """A database of its own (the session warehouse is shared with the loader tests)."""
    with db.scratch_warehouse(pg_server.url, "gwh_dashq") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(DDL)
            recruitment = [
                # Two GMCs of 8 each: published parts 10 + 10, but the total of 16 is 15.
                ("SLO", RD, CARDIO, 2020, False, 10, None),
                ("UCL", RD, CARDIO, 2020, False, 10, None),
                ("ALL", RD, CARDIO, 2020, False, 15, 10),
                ("ALL", CA, RENAL, 2021, False, None, None),
                ("ALL", RD, ALL, 2020, False, 15, 10),
                ("ALL", CA, ALL, 2021, False, None, None),
                ("ALL", RD, ALL, 2023, False, 20, 10),
                ("ALL", ALL, ALL, None, True, 40, 20),
                ("SLO", ALL, ALL, None, True, 10, None),
                ("ALL", RD, CARDIO, None, True, 15, 10),
            ]
            with conn.cursor() as cur:
                cur.executemany(
                    "insert into reporting.rpt_dashboard_recruitment values (%s,%s,%s,%s,%s,%s,%s)",
                    recruitment,
                )
                cur.executemany(
                    "insert into reporting.rpt_recruitment_by_gmc_month values (%s,%s,%s,%s,%s)",
                    [
                        ("SLO", "South London", RD, date(2020, 3, 1), 10),
                        ("UCL", "UCL Partners (North Thames)", RD, date(2020, 4, 1), None),
                        ("ALL", "All GMCs", RD, date(2020, 3, 1), 15),
                    ],
                )
                cur.executemany(
                    "insert into reporting.rpt_dashboard_genomes_delivered "
                    "values (%s,%s,%s,%s,%s,%s,%s)",
                    [
                        ("ALL", ALL, ALL, ALL, None, True, 110),
                        ("ALL", ALL, ALL, "germline", date(2025, 5, 1), False, 90),
                        ("ALL", ALL, ALL, "tumour", date(2025, 5, 1), False, 20),
                        ("ALL", ALL, ALL, "germline", date(2024, 5, 1), False, None),
                        ("ALL", ALL, ALL, ALL, date(2025, 5, 1), False, 110),
                    ],
                )
                cur.executemany(
                    "insert into reporting.rpt_turnaround values (%s,%s,%s,%s,%s,%s,%s,%s)",
                    [
                        ("ALL", RD, "referral_to_result", 25, 352.5, 463, 538.8, 581.1),
                        ("ALL", RD, "referral_to_sequencing", 25, 120, 200, 300, 400),
                        ("ALL", CA, "referral_to_sequencing", None, None, None, None, None),
                        ("SLO", RD, "referral_to_sequencing", None, None, None, None, None),
                    ],
                )
                cur.executemany(
                    "insert into reporting.rpt_dashboard_yield values (%s,%s,%s,%s,%s,%s,%s,%s)",
                    [
                        ("ALL", ALL, ALL, 25, 10, 0, 37.5, 37.5),
                        ("ALL", ALL, CARDIO, 10, None, 0, None, None),
                        ("ALL", ALL, RENAL, None, None, 0, None, None),
                        ("ALL", RD, ALL, 25, 10, 0, 37.5, 37.5),
                        ("SLO", ALL, ALL, 10, None, 0, None, None),
                        ("UCL", ALL, ALL, None, None, 0, None, None),
                    ],
                )
                cur.executemany(
                    "insert into reporting.rpt_dashboard_tiers values (%s,%s,%s,%s,%s,%s)",
                    [("ALL", ALL, ALL, 3, 10, 10), ("ALL", ALL, ALL, 1, 15, 10)],
                )
                cur.executemany(
                    "insert into reporting.rpt_dashboard_newly_actionable "
                    "values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    [
                        ("ALL", ALL, ALL, None, True, date(2025, 7, 1), 10, 10, 0, None),
                        (
                            "ALL",
                            ALL,
                            ALL,
                            date(2025, 7, 1),
                            False,
                            date(2025, 7, 1),
                            10,
                            10,
                            0,
                            None,
                        ),
                        (
                            "ALL",
                            ALL,
                            ALL,
                            date(2025, 6, 3),
                            False,
                            date(2025, 7, 1),
                            None,
                            None,
                            0,
                            None,
                        ),
                    ],
                )
        yield url


@pytest.fixture
def conn(reporting_url: str) -> Iterator[psycopg.Connection]:
    with q.reporting_connection(reporting_url, role=None) as connection:
        yield connection


def test_recruitment_total_reads_the_published_cell_not_a_sum(conn):
    # SLO 10 + UCL 10 would be 20; the published all-GMC cell (from 16 unrounded) is 15.
    cell = q.recruitment_total(conn, Filters(programme=RD, disease_group=CARDIO))
    assert cell["participants"] == 15
    assert q.recruitment_total(conn, Filters())["participants"] == 40
    slo = q.recruitment_total(conn, Filters(gmc="SLO"))
    assert slo["participants"] == 10 and q.show_count(slo["probands"]) == "*"
    # A cell that does not exist is a true zero (nobody recruited), not suppressed.
    assert q.recruitment_total(conn, Filters(gmc="WES"))["participants"] == 0


def test_recruitment_by_year_splits_programmes_and_honours_the_period(conn):
    df = q.recruitment_by_year(conn, Filters())
    assert list(zip(df["referral_year"], df["programme"], strict=True)) == [
        (2020, RD),
        (2021, CA),
        (2023, RD),
    ]
    assert [q.show_count(v) for v in df["participants"]] == ["15", "*", "20"]
    df = q.recruitment_by_year(conn, Filters(programme=RD, year_from=2021, year_to=2025))
    assert list(df["referral_year"]) == [2023]


def test_filter_options_come_from_the_visible_rows(conn):
    options = q.filter_options(conn)
    assert options.gmcs[0] == (ALL, "All GMCs")
    assert ("SLO", "South London") in options.gmcs
    assert ("UCL", "UCL Partners (North Thames)") in options.gmcs
    assert options.programmes == [CA, RD]
    assert options.disease_groups[RD] == [CARDIO]
    assert options.disease_groups[ALL] == [CARDIO, RENAL]
    assert options.years == (2020, 2025)  # referral years and delivery years


def test_genomes_by_month_and_total(conn):
    df = q.genomes_by_month(conn, Filters(year_from=2025, year_to=2025))
    assert list(df["sample_type"]) == ["germline", "tumour"]
    assert list(df["genomes"]) == [90, 20]
    assert len(q.genomes_by_month(conn, Filters())) == 3
    assert q.genomes_total(conn, Filters()) == 110


def test_turnaround_orders_stages_along_the_pathway(conn):
    df = q.turnaround(conn, Filters(programme=RD))
    assert list(df["stage"]) == ["referral_to_sequencing", "referral_to_result"]
    assert q.show_number(df.iloc[1]["median_days"]) == "463.0"
    both = q.turnaround(conn, Filters())
    assert set(both["programme"]) == {CA, RD}
    suppressed = both[both["programme"] == CA].iloc[0]
    assert q.show_count(suppressed["probands"]) == "*"
    assert q.show_number(suppressed["median_days"]) == "*"


def test_yield_by_disease_group_and_gmc(conn):
    df = q.yield_by_disease_group(conn, Filters())
    assert list(df["disease_group"]) == [CARDIO, RENAL, ALL]
    assert [q.show_number(v, 1, "%") for v in df["yield_pct"]] == ["*", "*", "37.5%"]
    only = q.yield_by_disease_group(conn, Filters(disease_group=CARDIO))
    assert list(only["disease_group"]) == [CARDIO, ALL]
    by_gmc = q.yield_by_gmc(conn, Filters())
    assert list(by_gmc["gmc_code"]) == ["SLO", "UCL", ALL]
    assert list(q.yield_by_gmc(conn, Filters(gmc="SLO"))["gmc_code"]) == ["SLO"]


def test_tiers_and_newly_actionable(conn):
    tiers = q.tier_distribution(conn, Filters())
    assert list(tiers["tier"]) == [1, 2, 3]
    # No tier-2 row in the cube means no tier-2 variants: a true 0, not a suppressed figure.
    assert [q.show_count(v) for v in tiers["variants"]] == ["15", "0", "10"]
    df = q.newly_actionable(conn, Filters())
    assert list(df["is_all_updates"]) == [False, False, True]
    assert list(df["panel_update_date"][:2]) == [date(2025, 6, 3), date(2025, 7, 1)]
    assert q.last_panel_update(conn) == date(2025, 7, 1)


def test_uncontrolled_counts_are_refused(conn, reporting_url):
    with psycopg.connect(reporting_url, autocommit=True) as admin:
        admin.execute("insert into reporting.rpt_dashboard_tiers values ('ALL','ALL','ALL',2,3,10)")
        try:
            with pytest.raises(q.DisclosureError, match="rpt_dashboard_tiers.variants"):
                q.tier_distribution(conn, Filters())
            admin.execute("update reporting.rpt_dashboard_tiers set variants = 12 where tier = 2")
            with pytest.raises(q.DisclosureError):
                q.tier_distribution(conn, Filters())
        finally:
            admin.execute("delete from reporting.rpt_dashboard_tiers where tier = 2")
    assert list(q.tier_distribution(conn, Filters())["variants"]) == [15, 0, 10]


def test_rates_are_withheld_where_their_numerator_is_suppressed():
    df = pd.DataFrame({"solved": [None, 10, 0], "reported": [10, 25, 10], "pct": [37.5, 40.0, 0.0]})
    out = q.withhold_rates(df, [("pct", "solved")])
    assert [q.show_number(v, 1, "%") for v in out["pct"]] == ["*", "40.0%", "0.0%"]
    assert df["pct"].iloc[0] == 37.5  # the input frame is left alone


def test_display_helpers():
    assert q.show_count(None) == "*"
    assert q.show_count(float("nan")) == "*"
    assert q.show_count(0) == "0"
    assert q.show_count(1234) == "1,234"
    assert q.show_number(None) == "*"
    assert q.show_number(2.345, 2, "%") == "2.35%"


def test_gmc_roles_are_named_from_the_code():
    assert q.gmc_role("SLO") == "gwh_gmc_slo"
    assert q.gmc_role(" yah ") == "gwh_gmc_yah"
    with pytest.raises(ValueError, match="not a GMC code"):
        q.gmc_role("SLO; drop table x")


def test_connection_is_read_only_and_switches_role(reporting_url):
    with q.reporting_connection(reporting_url, role=None) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("create table reporting.should_not_exist (x int)")
    # The role switch happens before any query: a role that does not exist fails loudly.
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        with q.reporting_connection(reporting_url, role="gwh_no_such_role"):
            pass


def test_pipeline_status_empty_then_one_row(conn, reporting_url):
    assert q.pipeline_status(conn) is None
    with psycopg.connect(reporting_url, autocommit=True) as admin:
        admin.execute(
            "insert into reporting.rpt_dashboard_pipeline_status values "
            "('2025-07-01', 3, null, 0, 155, 0, now(), now())"
        )
    status = q.pipeline_status(conn)
    assert status is not None
    assert status.last_successful_night == date(2025, 7, 1)
    assert status.nights_loaded == 3
    assert q.show_count(status.files_last_night) == "*"
    assert q.show_count(status.rows_delivered_last_night) == "155"
