"""Marts suite: what analysts and dashboards read (after `dbt build`, before promotion).

One row per participant in the participant dimension; every Tier 1/2 variant's gene green
on the panel version it was tiered against (and every tiered gene on some panel of that
name); timeline events in date order and no result before its referral; and the
disclosure rule on every published count of `reporting_build` (no count from 1 to 7,
counts of 8+ multiples of 5), which is what promotion would publish.
"""

from __future__ import annotations

from quality.expectations.spec import AssetSuite, rows

#: Integer columns of reporting tables that are not counts of people or events, so the
#: disclosure rule does not apply to them (a tier number, a count of nights, durations,
#: calendar years and months: see `is_published_count`).
NOT_COUNTS = {"tier", "nights_loaded", "deliveries", "days_behind_night"}
#: Reporting tables describing the warehouse itself (counts of expectations and files,
#: not of participants), exempt from disclosure control.
NOT_DISCLOSIVE_PREFIXES = ("rpt_dq_",)


def is_published_count(table: str, column: str) -> bool:
    if table.startswith(NOT_DISCLOSIVE_PREFIXES) or column in NOT_COUNTS:
        return False
    return not (
        column.startswith("days_")
        or column.endswith(("_days", "_year", "_month", "_quarter"))
        or column in ("year", "month")
    )


def disclosure_query(integer_columns: dict[str, list[str]]) -> str:
    """One row per published count cell, from the integer columns found in reporting_build."""
    parts = [
        f"select '{t}' as table_name, '{c}' as column_name, {c}::bigint as value "
        f"from reporting_build.{t}"
        for t in sorted(integer_columns)
        for c in integer_columns[t]
        if is_published_count(t, c)
    ]
    return " union all ".join(parts) or (
        "select null::text as table_name, null::text as column_name, null::bigint as value "
        "where false"
    )


def build(reporting_integer_columns: dict[str, list[str]]) -> list[AssetSuite]:
    import great_expectations.expectations as gxe

    out = []
    p = AssetSuite("marts.dim_participant", table="marts.dim_participant")
    p.add(
        "referral_id.one_row_per_participant",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeUnique,
        column="referral_id",
    )
    p.add(
        "pseudonym.one_row_per_participant",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeUnique,
        column="participant_pseudonym",
    )
    p.add(
        "referral_id.not_null",
        "completeness",
        "critical",
        gxe.ExpectColumnValuesToNotBeNull,
        column="referral_id",
    )
    p.add("every_consented_referral_present", "completeness", "warning",
          gxe.UnexpectedRowsExpectation,
          **rows("select r.referral_id from raw.referrals_participants r "
                 "where r.consent_status = 'consented' and not exists "
                 "(select 1 from {batch} d where d.referral_id = r.referral_id) "
                 "and not exists (select 1 from raw.withdrawals w "
                 "where w.referral_id = r.referral_id)"))  # fmt: skip
    out.append(p)

    tv = AssetSuite("marts.fct_tiered_variant", table="marts.fct_tiered_variant")
    tv.add("tier_1_2_gene_green_on_panel", "conformance", "critical",
           gxe.UnexpectedRowsExpectation,
           **rows("select t.family_id, t.gene_symbol, t.panel_name, t.panel_version "
                  "from {batch} t where t.tier in (1, 2) and not exists (select 1 from "
                  "marts.dim_panel_gene g where g.panel_id = t.panel_id and "
                  "g.panel_version = t.panel_version and g.gene_symbol = t.gene_symbol "
                  "and g.confidence_level = '3')"))  # fmt: skip
    # Tier 3 means "not in a green gene of the applied panel" (domain.md).
    tv.add("tier_3_gene_not_green", "conformance", "warning", gxe.UnexpectedRowsExpectation,
           **rows("select t.family_id, t.gene_symbol from {batch} t where t.tier = 3 and "
                  "exists (select 1 from marts.dim_panel_gene g where g.panel_id = t.panel_id "
                  "and g.panel_version = t.panel_version and g.gene_symbol = t.gene_symbol "
                  "and g.confidence_level = '3')"))  # fmt: skip
    tv.add(
        "tier.in_code_list",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeInSet,
        column="tier",
        value_set=[1, 2, 3],
    )
    out.append(tv)

    tl = AssetSuite("marts.fct_participant_event", table="marts.fct_participant_event")
    tl.add("events_in_date_order", "plausibility", "critical", gxe.UnexpectedRowsExpectation,
           **rows("select referral_id, event_sequence from (select referral_id, "
                  "event_sequence, event_date, lag(event_date) over (partition by referral_id "
                  "order by event_sequence) as previous_date from {batch}) x "
                  "where event_date < previous_date"))  # fmt: skip
    tl.add(
        "result_after_referral",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select referral_id from {batch} where event_type = 'result_reported' "
            "and days_since_referral < 0"
        ),
    )
    tl.add(
        "event_date.not_null",
        "completeness",
        "critical",
        gxe.ExpectColumnValuesToNotBeNull,
        column="event_date",
    )
    out.append(tl)

    ref = AssetSuite("marts.fct_referral", table="marts.fct_referral")
    ref.add(
        "referral_id.unique",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeUnique,
        column="referral_id",
    )
    for col in ("days_referral_to_sequencing", "days_referral_to_result"):
        ref.add(f"{col}.not_negative", "plausibility", "critical",
                gxe.ExpectColumnValuesToBeBetween, column=col, min_value=0)  # fmt: skip
    out.append(ref)

    sp = AssetSuite("marts.fct_admission_spell", table="marts.fct_admission_spell")
    sp.add(
        "admission_before_discharge",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select spell_key from {batch} where discharge_date < admission_date"),
    )
    sp.add(
        "spell_key.unique",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeUnique,
        column="spell_key",
    )
    out.append(sp)

    qc = AssetSuite("marts.fct_sample_qc", table="marts.fct_sample_qc")
    qc.add(
        "platekey.one_row_per_sample",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeUnique,
        column="platekey",
    )
    out.append(qc)

    dc = AssetSuite("marts.reporting_disclosure", query=disclosure_query(reporting_integer_columns))
    dc.add(
        "no_count_from_1_to_7",
        "conformance",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select table_name, column_name, count(*) as cells from {batch} "
            "where value between 1 and 7 group by 1, 2"
        ),
    )
    dc.add(
        "counts_rounded_to_5",
        "conformance",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select table_name, column_name, count(*) as cells from {batch} "
            "where value >= 8 and value % 5 <> 0 group by 1, 2"
        ),
    )
    out.append(dc)
    return out
