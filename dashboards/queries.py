"""The dashboard's only window on the warehouse: read-only queries of the `reporting` schema.

Every figure the dashboard shows comes from a disclosure-controlled table in `reporting`
(dbt builds them; `warehouse.promote` publishes them after the night's data-quality checks).
The connection switches to the reporting role (`gwh_reporting`) or a per-GMC role
(`gwh_gmc_<code>`, which row-level security restricts to that GMC) before any query, so the
database, not this code, decides what a viewer may see.

The dashboard never adds up published counts: a sum of rounded and suppressed cells is
wrong, and differencing totals against visible cells can undo suppression. The
`rpt_dashboard_*` tables are therefore cubes with a pre-computed cell (marked 'ALL') for
every filter left open, and each filter combination reads exactly one published cell.

As a second line of defence every count column is checked before display
(`assert_controlled`): a value from 1 to 7, or above 7 but not a multiple of 5, means an
uncontrolled figure reached the reporting schema, and the section refuses to render it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import psycopg
from psycopg import sql

from governance.disclosure import ROUND_TO, SUPPRESS_MAX, SUPPRESSED, suppress_count

#: The group role the dashboard reads as (NOLOGIN; a login user is granted membership).
REPORTING_ROLE = "gwh_reporting"
#: Per-GMC roles: `gwh_gmc_<code>` (lower-case GMC code), restricted by row-level security.
GMC_ROLE_PREFIX = "gwh_gmc_"
#: Marker of a roll-up cell (filter left open) in the reporting tables.
ALL = "ALL"

_GMC_CODE = re.compile(r"^[A-Z]{3}$")


class DisclosureError(RuntimeError):
    """A count that is not disclosure-controlled reached the dashboard."""


@dataclass(frozen=True)
class Filters:
    """What the viewer selected. 'ALL' = filter left open; years bound the period (inclusive)."""

    gmc: str = ALL
    programme: str = ALL
    disease_group: str = ALL
    year_from: int | None = None
    year_to: int | None = None


def gmc_role(gmc_code: str) -> str:
    """The role name of a GMC's viewers (`gwh_gmc_<code>`), from its three-letter code."""
    code = gmc_code.strip().upper()
    if not _GMC_CODE.match(code):
        raise ValueError(f"not a GMC code: {gmc_code!r} (expected three letters, e.g. SLO)")
    return GMC_ROLE_PREFIX + code.lower()


@contextmanager
def reporting_connection(
    url: str, role: str | None = REPORTING_ROLE
) -> Iterator[psycopg.Connection]:
    """A read-only connection that has switched to `role` before any query.

    `role=None` keeps the login user's own privileges: only for a development server that
    has no reporting roles yet. In production the dashboard logs in as a user that is a
    member of gwh_reporting (or of one GMC role) and this SET ROLE drops every other right.
    """
    conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    try:
        conn.execute("set session characteristics as transaction read only")
        if role is not None:
            conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        yield conn
    finally:
        conn.close()


def role_exists(url: str, role: str) -> bool:
    """Whether `role` exists on the server (the security migration may not have run)."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        row = conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone()
    return row is not None


def _frame(conn: psycopg.Connection, query: str, params: Sequence[object] = ()) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(query, params)
        columns = [d.name for d in cur.description or []]
        rows = cur.fetchall()
    df = pd.DataFrame(rows, columns=columns)
    # PostgreSQL numerics arrive as Decimal; charts and formatting want floats (None -> NaN).
    for column in df.columns:
        if any(isinstance(v, Decimal) for v in df[column]):
            df[column] = pd.to_numeric(df[column], errors="raise").astype(float)
    return df


# --- disclosure helpers --------------------------------------------------------------------


def assert_controlled(df: pd.DataFrame, columns: Sequence[str], table: str) -> pd.DataFrame:
    """Refuse counts that are not disclosure-controlled (see module docstring)."""
    for column in columns:
        for value in df[column].dropna():
            n = int(value)
            if 1 <= n <= SUPPRESS_MAX or (n > SUPPRESS_MAX and n % ROUND_TO):
                raise DisclosureError(
                    f"reporting.{table}.{column} holds a count that is not "
                    "disclosure-controlled; refusing to display it"
                )
    return df


def is_missing(value: object) -> bool:
    """None, NaN, NaT or pd.NA: a value the table does not hold (or holds suppressed)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def withhold_rates(df: pd.DataFrame, pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Blank each rate whose numerator count is suppressed (defence in depth).

    A rate over a published base gives its numerator away (37.5% of 8 families is 3), so a
    rate is shown only where its numerator is shown too; the dbt models already do this.
    """
    df = df.copy()
    for rate, count in pairs:
        df.loc[df[count].isna(), rate] = float("nan")
    return df


def show_count(value: object) -> str:
    """A controlled count as displayed: the number with thousands separators, or `*`."""
    if is_missing(value):
        return SUPPRESSED
    return f"{int(value):,}"


def show_number(value: object, decimals: int = 1, suffix: str = "") -> str:
    """A controlled rate, percentile or mean as displayed; None (base < 8) shows `*`."""
    if is_missing(value):
        return SUPPRESSED
    return f"{float(value):,.{decimals}f}{suffix}"


def _where(filters: Filters, *, disease: bool = True) -> tuple[str, list[object]]:
    clauses = ["gmc_code = %s", "programme = %s"]
    params: list[object] = [filters.gmc, filters.programme]
    if disease:
        clauses.append("disease_group = %s")
        params.append(filters.disease_group)
    return " and ".join(clauses), params


# --- filter options --------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the filters can offer this viewer (a GMC role sees only its own GMC)."""

    gmcs: list[tuple[str, str]]  # (code, name), 'ALL' first when visible
    programmes: list[str]
    disease_groups: dict[str, list[str]]  # programme -> groups ('ALL' -> every group)
    years: tuple[int, int] | None


def filter_options(conn: psycopg.Connection) -> Options:
    """GMCs, programmes, disease groups and referral years present in the reporting tables."""
    gmc_rows = conn.execute(
        "select distinct r.gmc_code, coalesce(n.gmc_name, r.gmc_code) "
        "from reporting.rpt_dashboard_recruitment r "
        "left join (select distinct gmc_code, gmc_name "
        "from reporting.rpt_recruitment_by_gmc_month) n on n.gmc_code = r.gmc_code "
        "order by 1"
    ).fetchall()
    gmcs = [(ALL, "All GMCs")] if any(code == ALL for code, _ in gmc_rows) else []
    gmcs += [(code, name) for code, name in gmc_rows if code != ALL]
    group_rows = conn.execute(
        "select distinct programme, disease_group from reporting.rpt_dashboard_recruitment "
        "where programme <> %s and disease_group <> %s order by 1, 2",
        (ALL, ALL),
    ).fetchall()
    programmes = sorted({p for p, _ in group_rows})
    groups: dict[str, list[str]] = {ALL: sorted({g for _, g in group_rows})}
    for programme in programmes:
        groups[programme] = [g for p, g in group_rows if p == programme]
    # The period spans referral years and delivery years (genomes arrive years after some
    # referrals), so neither chart loses its data to the default period.
    years = conn.execute(
        "select min(y), max(y) from ("
        "select referral_year as y from reporting.rpt_dashboard_recruitment "
        "union all select extract(year from delivery_month)::integer "
        "from reporting.rpt_dashboard_genomes_delivered) as years"
    ).fetchone()
    span = (int(years[0]), int(years[1])) if years and years[0] is not None else None
    return Options(gmcs=gmcs, programmes=programmes, disease_groups=groups, years=span)


# --- recruitment and sequencing --------------------------------------------------------------


def recruitment_by_year(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Participants and probands per referral year and programme within the period.

    With the programme filter open, one row per programme and year (for a stacked chart);
    otherwise the selected programme's rows.
    """
    where = ["gmc_code = %s", "disease_group = %s", "not is_all_years"]
    params: list[object] = [filters.gmc, filters.disease_group]
    if filters.programme == ALL:
        where.append("programme <> %s")
    else:
        where.append("programme = %s")
    params.append(filters.programme)
    _period(filters, "referral_year >= %s", "referral_year <= %s", where, params)
    df = _frame(
        conn,
        "select referral_year, programme, participants, probands "
        "from reporting.rpt_dashboard_recruitment where "
        + " and ".join(where)
        + " order by referral_year, programme",
        params,
    )
    return assert_controlled(df, ["participants", "probands"], "rpt_dashboard_recruitment")


def recruitment_total(conn: psycopg.Connection, filters: Filters) -> dict[str, object]:
    """All-time participants and probands of the selected cell (None = suppressed)."""
    where, params = _where(filters)
    df = _frame(
        conn,
        "select participants, probands from reporting.rpt_dashboard_recruitment "
        f"where {where} and is_all_years",
        params,
    )
    assert_controlled(df, ["participants", "probands"], "rpt_dashboard_recruitment")
    if df.empty:
        return {"participants": 0, "probands": 0}
    return df.iloc[0].to_dict()


def _period(
    filters: Filters, since: str, until: str, clauses: list[str], params: list[object]
) -> None:
    """Add the period filter's bounds (SQL with one %s for the year) where they are set."""
    for sql_text, year in ((since, filters.year_from), (until, filters.year_to)):
        if year is not None:
            clauses.append(sql_text)
            params.append(year)


def genomes_by_month(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Genomes delivered per month of first delivery and sample type, within the period."""
    where, params = _where(filters)
    clauses = [where, "not is_all_months", "sample_type <> %s"]
    params.append(ALL)
    _period(
        filters,
        "delivery_month >= make_date(%s, 1, 1)",
        "delivery_month <= make_date(%s, 12, 1)",
        clauses,
        params,
    )
    df = _frame(
        conn,
        "select delivery_month, sample_type, genomes "
        "from reporting.rpt_dashboard_genomes_delivered where "
        + " and ".join(clauses)
        + " order by delivery_month, sample_type",
        params,
    )
    return assert_controlled(df, ["genomes"], "rpt_dashboard_genomes_delivered")


def genomes_total(conn: psycopg.Connection, filters: Filters) -> object:
    """All genomes delivered to date for the selected cell (None = suppressed)."""
    where, params = _where(filters)
    df = _frame(
        conn,
        "select genomes from reporting.rpt_dashboard_genomes_delivered "
        f"where {where} and is_all_months and sample_type = %s",
        [*params, ALL],
    )
    assert_controlled(df, ["genomes"], "rpt_dashboard_genomes_delivered")
    return 0 if df.empty else df.iloc[0]["genomes"]


TURNAROUND_STAGES = {
    "referral_to_sequencing": "Referral → genome delivered",
    "sequencing_to_report": "Genome → tiered report",
    "report_to_result": "Report → result recorded",
    "referral_to_result": "Referral → result (end to end)",
}


def turnaround(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Percentiles of days per pathway stage for the GMC (or all) and programme(s).

    rpt_turnaround has no disease-group dimension and no all-programme roll-up, so with the
    programme filter open each programme is shown separately.
    """
    params: list[object] = [filters.gmc]
    query = (
        "select programme, stage, probands, p25_days, median_days, p75_days, p90_days "
        "from reporting.rpt_turnaround where gmc_code = %s"
    )
    if filters.programme != ALL:
        query += " and programme = %s"
        params.append(filters.programme)
    df = _frame(conn, query + " order by programme, stage", params)
    df = assert_controlled(df, ["probands"], "rpt_turnaround")
    order = {stage: i for i, stage in enumerate(TURNAROUND_STAGES)}
    df["stage_order"] = df["stage"].map(order).fillna(len(order))
    df["stage_label"] = df["stage"].map(TURNAROUND_STAGES).fillna(df["stage"])
    return df.sort_values(["programme", "stage_order"]).drop(columns="stage_order")


# --- diagnosis ---------------------------------------------------------------------------------


def yield_by_disease_group(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Diagnostic yield per disease group for the selected GMC and programme, 'ALL' last."""
    where, params = _where(filters, disease=False)
    query = (
        "select disease_group, families_reported, families_solved, families_partially_solved, "
        "yield_pct, yield_incl_partial_pct from reporting.rpt_dashboard_yield "
        f"where {where}"
    )
    if filters.disease_group != ALL:
        query += " and disease_group in (%s, %s)"
        params += [filters.disease_group, ALL]
    df = _frame(conn, query + " order by disease_group = 'ALL', disease_group", params)
    df = assert_controlled(
        df,
        ["families_reported", "families_solved", "families_partially_solved"],
        "rpt_dashboard_yield",
    )
    df = withhold_rates(df, [("yield_pct", "families_solved")])
    both = df["families_solved"].isna() | df["families_partially_solved"].isna()
    df.loc[both, "yield_incl_partial_pct"] = float("nan")
    return df


def yield_by_gmc(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Diagnostic yield per GMC for the selected programme and disease group."""
    query = (
        "select gmc_code, families_reported, families_solved, yield_pct "
        "from reporting.rpt_dashboard_yield where programme = %s and disease_group = %s"
    )
    params: list[object] = [filters.programme, filters.disease_group]
    if filters.gmc != ALL:
        query += " and gmc_code = %s"
        params.append(filters.gmc)
    df = _frame(conn, query + " order by gmc_code = 'ALL', gmc_code", params)
    df = assert_controlled(df, ["families_reported", "families_solved"], "rpt_dashboard_yield")
    return withhold_rates(df, [("yield_pct", "families_solved")])


def tier_distribution(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Tiered variants and families per tier for the selected cell."""
    where, params = _where(filters)
    df = _frame(
        conn,
        f"select tier, variants, families from reporting.rpt_dashboard_tiers where {where} "
        "order by tier",
        params,
    )
    df = assert_controlled(df, ["variants", "families"], "rpt_dashboard_tiers")
    # Every tier is listed: a tier without a row in the cube has no variants (a true 0).
    tiers = pd.DataFrame({"tier": [1, 2, 3]})
    df = tiers.merge(df.astype({"tier": int}), on="tier", how="left", indicator=True)
    absent = df["_merge"] == "left_only"
    df.loc[absent, ["variants", "families"]] = 0
    return df.drop(columns="_merge")


def newly_actionable(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Tier 1/2 variants found because a panel update turned their gene green, per update.

    One row per panel-update night plus the all-updates row (panel_update_date null); every
    row carries the date of the last panel update.
    """
    where, params = _where(filters)
    df = _frame(
        conn,
        "select panel_update_date, is_all_updates, last_panel_update_date, variants, "
        "tier1_variants, tier2_variants, families "
        f"from reporting.rpt_dashboard_newly_actionable where {where} "
        "order by is_all_updates, panel_update_date",
        params,
    )
    return assert_controlled(
        df,
        ["variants", "tier1_variants", "tier2_variants", "families"],
        "rpt_dashboard_newly_actionable",
    )


def last_panel_update(conn: psycopg.Connection) -> date | None:
    """The night of the latest panel update that promoted any gene (whatever the filters)."""
    row = conn.execute(
        "select max(last_panel_update_date) from reporting.rpt_dashboard_newly_actionable"
    ).fetchone()
    return row[0] if row else None


# --- outcomes ----------------------------------------------------------------------------------


def outcomes(conn: psycopg.Connection, filters: Filters) -> pd.DataFrame:
    """Hospital use per person-year two years before vs after the result, solved vs unsolved."""
    where, params = _where(filters)
    df = _frame(
        conn,
        "select solved_status, window_side, participants, person_years, admissions, "
        "emergency_admissions, bed_days, "
        "admissions_per_person_year, emergency_admissions_per_person_year, "
        "bed_days_per_person_year from reporting.rpt_dashboard_outcomes "
        f"where {where} order by solved_status, window_side desc",
        params,
    )
    df = assert_controlled(
        df,
        ["participants", "admissions", "emergency_admissions", "bed_days"],
        "rpt_dashboard_outcomes",
    )
    return withhold_rates(
        df,
        [
            ("admissions_per_person_year", "admissions"),
            ("emergency_admissions_per_person_year", "emergency_admissions"),
            ("bed_days_per_person_year", "bed_days"),
        ],
    )


# --- data quality and pipeline ---------------------------------------------------------------


def readable(conn: psycopg.Connection, table: str) -> bool:
    """Whether the current role may read reporting.`table` (and it exists).

    Programme-wide tables (no gmc_code column) are granted to gwh_reporting only, so a GMC
    viewer's dashboard shows those sections as not available instead of failing.
    """
    row = conn.execute(
        "select to_regclass(%s) is not null and has_table_privilege(to_regclass(%s), 'select')",
        (f"reporting.{table}", f"reporting.{table}"),
    ).fetchone()
    return bool(row and row[0])


def checkpoint_summary(conn: psycopg.Connection) -> pd.DataFrame:
    """The latest data-quality checkpoint run: expectations and failures by stage and category.

    These are counts of checks, not of people, so they are shown exactly (the DQ model
    documents the exemption from disclosure control).
    """
    return _frame(
        conn,
        "select run_id, stage, category, severity, validated_at, expectations, failed, "
        "errored, is_checkpoint_success from reporting.rpt_dq_checkpoint_summary "
        "where is_latest_run order by stage, category, severity",
    )


def open_failures(conn: psycopg.Connection) -> pd.DataFrame:
    """Expectations failing at their latest validation, critical first.

    `unexpected_count` counts offending rows, which can be people, so it is disclosure-
    controlled here (None = suppressed); the observed value is not shown at all.
    """
    df = _frame(
        conn,
        "select stage, expectation, category, severity, unexpected_count, failing_since "
        "from reporting.rpt_dq_open_failures "
        "order by severity = 'critical' desc, stage, expectation",
    )
    df["unexpected_count"] = [
        None if is_missing(v) else suppress_count(int(v)) for v in df["unexpected_count"]
    ]
    return df.astype({"unexpected_count": "object"})


def quarantine_by_feed(conn: psycopg.Connection) -> pd.DataFrame:
    """Rows delivered and quarantined per feed and file kind, with the quarantine rate.

    The rate is withheld wherever the quarantined count itself is suppressed: a rate over a
    known base would give the suppressed count away (2 of 150 rows shows as 1.33%).
    """
    df = _frame(
        conn,
        "select feed, kind, files, files_rejected, rows_delivered, rows_loaded, "
        "rows_quarantined, rows_excluded, "
        "case when rows_quarantined is not null then quarantine_rate_pct end "
        "as quarantine_rate_pct "
        "from reporting.rpt_data_quality_summary order by feed, kind",
    )
    return assert_controlled(
        df,
        ["files", "files_rejected", "rows_delivered", "rows_loaded", "rows_quarantined"],
        "rpt_data_quality_summary",
    )


def feed_freshness(conn: psycopg.Connection) -> pd.DataFrame:
    """Each feed's latest delivery, its lag behind the latest night and how it loaded."""
    df = _frame(
        conn,
        "select feed, cadence, night_date, last_delivery_date, days_behind_night, is_current, "
        "files_in_last_delivery, files_rejected, rows_delivered, rows_quarantined, "
        "last_loaded_at from reporting.rpt_dashboard_feed_freshness order by feed",
    )
    return assert_controlled(
        df,
        ["files_in_last_delivery", "files_rejected", "rows_delivered", "rows_quarantined"],
        "rpt_dashboard_feed_freshness",
    )


@dataclass(frozen=True)
class PipelineStatus:
    """The published night: by construction the last night whose checks passed."""

    last_successful_night: date | None
    nights_loaded: int
    files_last_night: int | None
    files_rejected_last_night: int | None
    rows_delivered_last_night: int | None
    rows_quarantined_last_night: int | None
    last_loaded_at: datetime | None
    reporting_built_at: datetime | None


@dataclass(frozen=True)
class LatestRelease:
    """The newest research data release (written when a release is published)."""

    version: int
    schema_name: str
    night_of: date | None
    cut_at: datetime | None
    participants: int | None


def latest_release(conn: psycopg.Connection) -> LatestRelease | None:
    """The row of rpt_dashboard_latest_release (None before the first release)."""
    if not readable(conn, "rpt_dashboard_latest_release"):
        return None
    df = _frame(conn, "select * from reporting.rpt_dashboard_latest_release")
    assert_controlled(df, ["participants"], "rpt_dashboard_latest_release")
    if df.empty:
        return None
    row = df.iloc[0]
    return LatestRelease(
        version=int(row["version"]),
        schema_name=str(row["schema_name"]),
        night_of=None if is_missing(row["night_of"]) else row["night_of"],
        cut_at=None if is_missing(row["cut_at"]) else row["cut_at"],
        participants=None if is_missing(row["participants"]) else int(row["participants"]),
    )


def pipeline_status(conn: psycopg.Connection) -> PipelineStatus | None:
    """The single row of rpt_dashboard_pipeline_status (None before the first night)."""
    df = _frame(conn, "select * from reporting.rpt_dashboard_pipeline_status")
    assert_controlled(
        df,
        [
            "files_last_night",
            "files_rejected_last_night",
            "rows_delivered_last_night",
            "rows_quarantined_last_night",
        ],
        "rpt_dashboard_pipeline_status",
    )
    if df.empty:
        return None
    row = df.iloc[0]

    def _opt(name: str) -> object:
        value = row[name]
        return None if is_missing(value) else value

    return PipelineStatus(
        last_successful_night=_opt("last_successful_night"),
        nights_loaded=int(row["nights_loaded"] or 0),
        files_last_night=_opt("files_last_night"),
        files_rejected_last_night=_opt("files_rejected_last_night"),
        rows_delivered_last_night=_opt("rows_delivered_last_night"),
        rows_quarantined_last_night=_opt("rows_quarantined_last_night"),
        last_loaded_at=_opt("last_loaded_at"),
        reporting_built_at=_opt("reporting_built_at"),
    )
