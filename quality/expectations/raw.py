"""Raw-layer suite: the delivered feeds as `gwh load` left them (after `gwh load`).

What it guards: every column of feeds.md present and typed; pseudonym format;
code lists; dates in order within and across files (birth <= referral <= result, with
year_of_birth because no full date of birth survives the loader; admission <= discharge);
ICD-10 / OPCS-4 / HPO codes that exist; reconciliation per file (delivered = loaded +
quarantined + excluded, and the raw and quarantine tables really hold those rows); the
quarantine rate of each feed and GMC's latest delivery; HES year-to-date re-deliveries
that silently drop rows an earlier delivery of the same year carried.

The loaders already refuse most of this row by row; these checks are the second line that
catches what a row-level validator cannot see (cross-file order, vanished rows, drift in
rates) and that proves the first line held.
"""

from __future__ import annotations

from datetime import date

from quality.expectations.spec import AssetSuite, rows

GMC_CODES = ["EOE", "GMA", "ICH", "NEC", "NWC", "OXF", "SLO", "SWP", "UCL", "WES", "WMI",
             "YAH", "WOE"]  # fmt: skip
PSEUDONYM = r"^[0-9a-f]{64}$"
PLATEKEY = r"^LP[0-9]{7}-DNA_[A-H](0[1-9]|1[0-2])$"
REFERRAL_ID = r"^RR[0-9]{8}$"
FAMILY_ID = r"^FAM[0-9]{7}$"
# Bounds on the share of rows quarantined in a feed/GMC's latest delivery.
QUARANTINE_RATE_WARNING = 0.02
QUARANTINE_RATE_CRITICAL = 0.20

META = [("ledger_file_id", "BIGINT"), ("source_line", "BIGINT"), ("delivery_date", "DATE")]
T, D, S, F, INT = "TEXT", "DATE", "SMALLINT", "DOUBLE PRECISION", "INTEGER"


def _hes_codes(prefix: str, n: int) -> list[tuple[str, str]]:
    return [(f"{prefix}{i:02d}", T) for i in range(1, n + 1)]


#: The spelling information_schema.columns.data_type uses for each type above.
PG_TYPE = {T: "text", D: "date", S: "smallint", F: "double precision", INT: "integer",
           "BIGINT": "bigint", "TEXT[]": "ARRAY"}  # fmt: skip

HES_COMMON = [("participant_pseudonym", T), ("sex", T), ("procode", T)]

#: feeds.md, as the raw layer types it (NHS number -> pseudonym, date_of_birth ->
#: year_of_birth + age_at_referral). The spec of each raw table, column by column.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "referrals_participants": [
        ("referral_id", T), ("gmc_code", T), ("participant_pseudonym", T),
        ("year_of_birth", S), ("age_at_referral", S), ("sex", T), ("family_id", T),
        ("relationship_to_proband", T), ("affection_status", T), ("programme", T),
        ("disease_group", T), ("specific_disease", T), ("referral_date", D),
        ("consent_status", T),
    ],
    "referrals_phenotypes": [("referral_id", T), ("hpo_id", T), ("observed", T),
                             ("recorded_date", D)],
    "referrals_tumours": [("referral_id", T), ("tumour_id", T), ("tumour_icd10", T),
                          ("diagnosis_date", D), ("tumour_sample_platekey", T),
                          ("germline_sample_platekey", T)],
    "results_exit_questionnaires": [
        ("family_id", T), ("referral_id", T), ("result_date", D), ("case_solved", T),
        ("causal_gene", T), ("causal_variant", T), ("acmg_classification", T),
        ("actionability", T),
    ],
    "sequencing_manifest": [("platekey", T), ("referral_id", T), ("family_id", T),
                            ("sample_type", T), ("file_name", T), ("file_type", T),
                            ("genome_build", T), ("sha256", T)],
    "sequencing_qc": [("platekey", T), ("mean_coverage", F), ("pct_bases_ge_15x", F),
                      ("contamination_fraction", F), ("reported_sex", T),
                      ("inferred_sex", T), ("insert_size_median", F),
                      ("reads_mapped_pct", F)],
    "hes_apc": HES_COMMON + [
        ("epikey", T), ("admidate", D), ("epistart", D), ("epiend", D), ("disdate", D),
        ("epiorder", S), ("admimeth", T), ("admisorc", T), ("dismeth", T), ("disdest", T),
        ("classpat", T), ("mainspef", T), ("tretspef", T),
    ] + _hes_codes("diag_4_", 20) + _hes_codes("opertn_4_", 24),
    "hes_op": HES_COMMON + [
        ("attendkey", T), ("apptdate", D), ("attended", T), ("firstatt", T),
        ("mainspef", T), ("tretspef", T),
    ] + _hes_codes("diag_4_", 12) + _hes_codes("opertn_4_", 24),
    "hes_ae": HES_COMMON + [("aekey", T), ("arrivaldate", D), ("aearrivalmode", T),
                            ("aeattenddisp", T)] + _hes_codes("diag_", 12),
    "mortality_deaths": [("participant_pseudonym", T), ("dod", D), ("dor", D),
                         ("cause_of_death", T)]
                        + [(f"cause_of_death_{i}", T) for i in range(1, 16)],
    "panelapp_panels": [("panel_id", INT), ("name", T), ("version", T),
                        ("relevant_disorders", "TEXT[]")],
    "panelapp_genes": [("panel_id", INT), ("panel_version", T), ("gene_symbol", T),
                       ("hgnc_id", T), ("confidence_level", T), ("mode_of_inheritance", T)],
    "withdrawals": [("referral_id", T), ("participant_pseudonym", T),
                    ("withdrawal_date", D), ("withdrawal_option", T)],
}  # fmt: skip

#: ledger.files.kind -> the raw tables its loaded rows land in.
KIND_TABLES: dict[str, list[str]] = {
    "participants": ["referrals_participants"],
    "phenotypes": ["referrals_phenotypes"],
    "tumours": ["referrals_tumours"],
    "exit_questionnaires": ["results_exit_questionnaires"],
    "manifest": ["sequencing_manifest"],
    "qc": ["sequencing_qc"],
    "hes_apc": ["hes_apc"],
    "hes_op": ["hes_op"],
    "hes_ae": ["hes_ae"],
    "deaths": ["mortality_deaths"],
    "panels": ["panelapp_panels", "panelapp_genes"],
    "withdrawals": ["withdrawals"],
}

#: The newest referral row per referral_id: what cross-file date checks compare against.
NEWEST_REFERRAL = """(select distinct on (referral_id) referral_id, year_of_birth,
       referral_date, sex
  from raw.referrals_participants
  order by referral_id, delivery_date desc, ledger_file_id desc, source_line desc)"""

#: HES table -> (business key, event date expression with `{a}` for a table alias).
HES_KEYS = {"hes_apc": ("epikey", "coalesce({a}admidate, {a}epistart)"),
            "hes_op": ("attendkey", "{a}apptdate"),
            "hes_ae": ("aekey", "{a}arrivaldate")}  # fmt: skip


def _table_conformance(s: AssetSuite, table: str) -> None:
    import great_expectations.expectations as gxe

    cols = META + COLUMNS[table]
    s.add("columns_present", "conformance", "critical", gxe.ExpectTableColumnsToMatchSet,
          column_set=[c for c, _ in cols], exact_match=True)  # fmt: skip
    # One check per table for every column's type (information_schema spelling), not one
    # GX expectation per column: ~300 per-column expectations made the raw checkpoint
    # several times slower (bench/dq_overhead.py) for the same verdict. The probe joins
    # the batch (at most one row, left join) only because GX requires `{batch}` in a query.
    schema, name = s.table.split(".", 1) if s.table else ("raw", table)
    expected = ", ".join(f"('{c}', '{PG_TYPE[t]}')" for c, t in cols)
    s.add(
        "columns_typed",
        "conformance",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            f"select e.column_name, e.expected_type, c.data_type as actual_type "
            f"from (values {expected}) as e(column_name, expected_type) "
            f"left join information_schema.columns c on c.table_schema = '{schema}' "
            f"and c.table_name = '{name}' and c.column_name = e.column_name "
            f"left join (select 1 as one from {{batch}} p limit 1) probe on true "
            f"where c.data_type is distinct from e.expected_type"
        ),
    )


def _in_set(s: AssetSuite, col: str, values: list[str], severity: str = "critical") -> None:
    import great_expectations.expectations as gxe

    s.add(f"{col}.in_code_list", "conformance", severity, gxe.ExpectColumnValuesToBeInSet,
          column=col, value_set=values)  # fmt: skip


def _regex(s: AssetSuite, col: str, regex: str, severity: str = "critical") -> None:
    import great_expectations.expectations as gxe

    s.add(f"{col}.format", "conformance", severity, gxe.ExpectColumnValuesToMatchRegex,
          column=col, regex=regex)  # fmt: skip


def _codes_exist(s: AssetSuite, cols: list[str], ref: str, what: str, allow: str = "") -> None:
    """Every code in `cols` exists in the reference table `ref` (hes_code column)."""
    import great_expectations.expectations as gxe

    unnest = ", ".join(cols)
    extra = f" and c.code not in ({allow})" if allow else ""
    q = (
        f"select c.code, count(*) as n from {{batch}} b "
        f"cross join lateral unnest(array[{unnest}]) as c(code) "
        f"where c.code is not null and c.code <> ''{extra} "
        f"and not exists (select 1 from {ref} r where r.hes_code = c.code) group by c.code"
    )
    s.add(f"{what}_exist", "conformance", "critical", gxe.UnexpectedRowsExpectation, **rows(q))


def build(today: date | None = None) -> list[AssetSuite]:
    """The raw suite: one AssetSuite per raw table plus the ledger/quarantine queries."""
    import great_expectations.expectations as gxe

    today = today or date.today()
    out: list[AssetSuite] = []

    def table(name: str) -> AssetSuite:
        s = AssetSuite(f"raw.{name}", table=f"raw.{name}")
        _table_conformance(s, name)
        out.append(s)
        return s

    # referrals: participants
    s = table("referrals_participants")
    _regex(s, "referral_id", REFERRAL_ID)
    _regex(s, "family_id", FAMILY_ID)
    _regex(s, "participant_pseudonym", PSEUDONYM)
    _in_set(s, "gmc_code", GMC_CODES)
    _in_set(s, "sex", ["male", "female", "unknown"])
    _in_set(s, "relationship_to_proband", ["proband", "mother", "father", "sibling", "other"])
    _in_set(s, "affection_status", ["affected", "unaffected", "unknown"])
    _in_set(s, "programme", ["rare_disease", "cancer"])
    _in_set(s, "consent_status", ["consented", "declined"])
    s.add(
        "referral_id.unique_in_file",
        "conformance",
        "critical",
        gxe.ExpectCompoundColumnsToBeUnique,
        column_list=["ledger_file_id", "referral_id"],
    )
    s.add(
        "specific_disease.present",
        "completeness",
        "warning",
        gxe.ExpectColumnValueLengthsToBeBetween,
        column="specific_disease",
        min_value=1,
    )
    s.add(
        "year_of_birth.plausible",
        "plausibility",
        "critical",
        gxe.ExpectColumnValuesToBeBetween,
        column="year_of_birth",
        min_value=1900,
        max_value=today.year,
    )
    s.add(
        "birth_before_referral",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select referral_id from {batch} where extract(year from referral_date) < year_of_birth"
        ),
    )
    s.add(
        "referral_not_in_future",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(f"select referral_id from {{batch}} where referral_date > date '{today}'"),
    )
    s.add("age_at_referral.consistent", "plausibility", "warning",
          gxe.UnexpectedRowsExpectation,
          **rows("select referral_id from {batch} where age_at_referral not between "
                 "extract(year from referral_date) - year_of_birth - 1 "
                 "and extract(year from referral_date) - year_of_birth"))  # fmt: skip

    # referrals: phenotypes
    s = table("referrals_phenotypes")
    _regex(s, "referral_id", REFERRAL_ID)
    _regex(s, "hpo_id", r"^HP:[0-9]{7}$")
    _in_set(s, "observed", ["yes", "no"])
    s.add(
        "hpo_id.exists",
        "conformance",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select hpo_id, count(*) as n from {batch} b where not exists "
            "(select 1 from raw.ref_hpo_terms r where r.hpo_id = b.hpo_id) group by 1"
        ),
    )
    s.add(
        "referral_known",
        "completeness",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select distinct referral_id from {batch} b where not exists "
            "(select 1 from raw.referrals_participants p "
            "where p.referral_id = b.referral_id)"
        ),
    )
    s.add(
        "recorded_after_birth",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            f"select b.referral_id from {{batch}} b join {NEWEST_REFERRAL} p "
            "using (referral_id) where extract(year from b.recorded_date) < p.year_of_birth"
        ),
    )
    s.add(
        "recorded_not_in_future",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(f"select referral_id from {{batch}} where recorded_date > date '{today}'"),
    )

    # referrals: tumours
    s = table("referrals_tumours")
    _regex(s, "referral_id", REFERRAL_ID)
    _regex(s, "tumour_sample_platekey", PLATEKEY)
    _regex(s, "germline_sample_platekey", PLATEKEY)
    s.add(
        "tumour_icd10.exists",
        "conformance",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select tumour_icd10, count(*) as n from {batch} b where not exists "
            "(select 1 from raw.ref_icd10 r where r.icd10_code = b.tumour_icd10) "
            "group by 1"
        ),
    )
    s.add(
        "diagnosis_after_birth",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            f"select b.referral_id from {{batch}} b join {NEWEST_REFERRAL} p "
            "using (referral_id) where extract(year from b.diagnosis_date) < p.year_of_birth"
        ),
    )

    # results: exit questionnaires
    s = table("results_exit_questionnaires")
    _regex(s, "referral_id", REFERRAL_ID)
    _regex(s, "family_id", FAMILY_ID)
    _in_set(s, "case_solved", ["yes", "partially", "no", "unknown"])
    _in_set(s, "acmg_classification", ["pathogenic", "likely_pathogenic", "vus", ""])
    _in_set(s, "actionability", ["yes", "no", "unknown"])
    _regex(s, "causal_variant", r"^(chr([0-9]{1,2}|X|Y|M):[0-9]+:[ACGTN]+:[ACGTN]+)?$")
    s.add(
        "solved_names_gene",
        "completeness",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select family_id from {batch} where case_solved = 'yes' "
            "and coalesce(causal_gene, '') = ''"
        ),
    )
    s.add(
        "result_after_referral",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            f"select b.family_id, b.referral_id from {{batch}} b join {NEWEST_REFERRAL} p "
            "using (referral_id) where b.result_date < p.referral_date"
        ),
    )
    s.add(
        "result_not_in_future",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(f"select family_id from {{batch}} where result_date > date '{today}'"),
    )

    # sequencing
    s = table("sequencing_manifest")
    _regex(s, "platekey", PLATEKEY)
    _regex(s, "referral_id", REFERRAL_ID)
    _in_set(s, "sample_type", ["germline", "tumour"])
    _in_set(s, "file_type", ["vcf", "qc"])
    _in_set(s, "genome_build", ["GRCh38"])
    _regex(s, "sha256", r"^[0-9a-f]{64}$")
    s = table("sequencing_qc")
    _regex(s, "platekey", PLATEKEY)
    _in_set(s, "reported_sex", ["male", "female", "unknown"])
    _in_set(s, "inferred_sex", ["male", "female", "unknown"])
    for col in ("pct_bases_ge_15x", "reads_mapped_pct"):
        s.add(f"{col}.percentage", "conformance", "critical", gxe.ExpectColumnValuesToBeBetween,
              column=col, min_value=0, max_value=100)  # fmt: skip
    s.add(
        "contamination_fraction.fraction",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToBeBetween,
        column="contamination_fraction",
        min_value=0,
        max_value=1,
    )
    s.add(
        "qc_for_manifest_row",
        "completeness",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select platekey from {batch} b where not exists (select 1 from "
            "raw.sequencing_manifest m where m.platekey = b.platekey "
            "and m.file_type = 'qc')"
        ),
    )

    # HES
    for name, n_diag in (("hes_apc", 20), ("hes_op", 12)):
        s = table(name)
        _regex(s, "participant_pseudonym", PSEUDONYM)
        _in_set(s, "sex", ["1", "2", "9", "0"])
        _codes_exist(s, [f"diag_4_{i:02d}" for i in range(1, n_diag + 1)], "raw.ref_icd10",
                     "diagnosis_codes")  # fmt: skip
        _codes_exist(s, [f"opertn_4_{i:02d}" for i in range(1, 25)], "raw.ref_opcs4",
                     "procedure_codes", allow="'-'")  # fmt: skip
    s = out[-2]  # hes_apc
    _in_set(s, "admimeth", ["11", "12", "13", "21", "22", "23", "24", "25", "2A", "2B", "2C",
                            "2D", "31", "32", "81", "82", "83", ""])  # fmt: skip
    s.add(
        "admission_before_discharge",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select epikey from {batch} where disdate < admidate"),
    )
    s.add(
        "episode_start_before_end",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select epikey from {batch} where epiend < epistart"),
    )
    s.add(
        "admission_before_episode",
        "plausibility",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows("select epikey from {batch} where epistart < admidate"),
    )
    s = out[-1]  # hes_op
    _in_set(s, "attended", ["0", "2", "3", "4", "5", "6", "7", "9", ""])
    s = table("hes_ae")
    _regex(s, "participant_pseudonym", PSEUDONYM)
    _in_set(s, "sex", ["1", "2", "9", "0"])
    for name, (key, when_t) in HES_KEYS.items():
        when, when_a = when_t.format(a="b."), when_t.format(a="a.")
        s = next(x for x in out if x.name == f"raw.{name}")
        s.add("not_before_birth", "plausibility", "critical", gxe.UnexpectedRowsExpectation,
              **rows(f"select b.{key} from {{batch}} b join (select distinct "
                     "participant_pseudonym, min(year_of_birth) as yob from "
                     "raw.referrals_participants group by 1) p using (participant_pseudonym) "
                     f"where extract(year from {when}) < p.yob"))  # fmt: skip
        s.add(
            "not_after_death",
            "plausibility",
            "warning",
            gxe.UnexpectedRowsExpectation,
            **rows(
                f"select b.{key} from {{batch}} b join raw.mortality_deaths d "
                f"using (participant_pseudonym) where {when} > d.dod + 1"
            ),
        )
        # A year-to-date re-delivery carries every row of that year delivered before it.
        s.add("redelivery_keeps_rows", "completeness", "critical",
              gxe.UnexpectedRowsExpectation,
              **rows(f"""with d as (select distinct x.delivery_date from {{batch}} x),
pairs as (select delivery_date as prev, lead(delivery_date) over (order by delivery_date)
          as next from d)
select p.prev, p.next, count(*) as dropped_rows
from pairs p join {{batch}} a on a.delivery_date = p.prev
where p.next is not null
  and extract(year from p.next) = extract(year from p.prev)
  and extract(year from {when_a}) = extract(year from p.next)
  and not exists (select 1 from {{batch}} n where n.delivery_date = p.next
                  and n.{key} = a.{key})
group by p.prev, p.next"""))  # fmt: skip

    # mortality
    s = table("mortality_deaths")
    _regex(s, "participant_pseudonym", PSEUDONYM)
    _codes_exist(s, ["cause_of_death"] + [f"cause_of_death_{i}" for i in range(1, 16)],
                 "raw.ref_icd10", "cause_codes")  # fmt: skip
    s.add(
        "death_before_registration",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select dod from {batch} where dor < dod"),
    )
    s.add(
        "death_not_in_future",
        "plausibility",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(f"select dod from {{batch}} where dod > date '{today}'"),
    )

    # panelapp
    s = table("panelapp_panels")
    s.add(
        "version.format",
        "conformance",
        "critical",
        gxe.ExpectColumnValuesToMatchRegex,
        column="version",
        regex=r"^[0-9]+\.[0-9]+$",
    )
    s = table("panelapp_genes")
    _in_set(s, "confidence_level", ["1", "2", "3"])
    _regex(s, "hgnc_id", r"^HGNC:[0-9]+$")
    s.add(
        "mode_of_inheritance.present",
        "completeness",
        "warning",
        gxe.ExpectColumnValueLengthsToBeBetween,
        column="mode_of_inheritance",
        min_value=1,
    )

    # withdrawals
    s = table("withdrawals")
    _regex(s, "referral_id", REFERRAL_ID)
    _regex(s, "participant_pseudonym", PSEUDONYM)
    _in_set(s, "withdrawal_option", ["no_further_use", "no_further_contact"])

    out.extend(_ledger_suites())
    return out


def _raw_count_sql() -> str:
    parts = [
        f"select ledger_file_id, count(*) as n from raw.{t} group by 1"
        for tables in KIND_TABLES.values()
        for t in tables
    ]
    return " union all ".join(parts)


def _ledger_suites() -> list[AssetSuite]:
    import great_expectations.expectations as gxe

    kinds = ", ".join(f"'{k}'" for k in KIND_TABLES)
    recon = AssetSuite(
        "raw.file_reconciliation",
        query=f"""select f.file_id, f.feed, f.kind, f.status, f.rows_delivered, f.rows_loaded,
       f.rows_quarantined, f.rows_excluded, f.rows_withdrawn, f.quarantined_withdrawn,
       coalesce(r.n, 0) as raw_rows, coalesce(q.n, 0) as quarantine_rows
from ledger.files f
left join (select ledger_file_id, sum(n) as n from ({_raw_count_sql()}) x group by 1) r
       on r.ledger_file_id = f.file_id
left join (select ledger_file_id, count(*) as n from quarantine.rows group by 1) q
       on q.ledger_file_id = f.file_id
where f.status = 'loaded' and f.kind in ({kinds})""",
    )
    recon.add("delivered_equals_loaded_plus_quarantined", "completeness", "critical",
              gxe.UnexpectedRowsExpectation,
              **rows("select file_id from {batch} where rows_delivered <> "
                     "rows_loaded + rows_quarantined + rows_excluded"))  # fmt: skip
    recon.add(
        "quarantine_rows_stored",
        "completeness",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows(
            "select file_id from {batch} "
            "where quarantine_rows <> rows_quarantined - quarantined_withdrawn"
        ),
    )
    recon.add(
        "raw_rows_not_above_loaded",
        "completeness",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select file_id from {batch} where raw_rows > rows_loaded"),
    )
    # A no_further_use withdrawal removes loaded rows and counts them (rows_withdrawn), so
    # on clean data raw rows equal loaded minus withdrawn; a difference is a real loss.
    recon.add(
        "raw_rows_equal_loaded",
        "completeness",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows("select file_id from {batch} where raw_rows <> rows_loaded - rows_withdrawn"),
    )
    files = AssetSuite("raw.ledger_files", table="ledger.files")
    files.add(
        "no_failed_files",
        "completeness",
        "critical",
        gxe.UnexpectedRowsExpectation,
        **rows("select file_id, kind from {batch} where status = 'failed'"),
    )
    files.add(
        "no_quarantined_files",
        "completeness",
        "warning",
        gxe.UnexpectedRowsExpectation,
        **rows("select file_id, kind from {batch} where status in ('quarantined', 'refused')"),
    )
    rate = AssetSuite(
        "raw.quarantine_rate",
        query="""with latest as (
  select distinct on (d.feed, coalesce(d.gmc_code, '-')) d.delivery_id, d.feed,
         coalesce(d.gmc_code, '-') as gmc_code
  from ledger.deliveries d
  where exists (select 1 from ledger.files f where f.delivery_id = d.delivery_id
                and f.status in ('loaded', 'quarantined'))
  order by d.feed, coalesce(d.gmc_code, '-'), d.delivery_date desc, d.delivery_id desc)
select l.feed, l.gmc_code, sum(f.rows_delivered) as rows_delivered,
       sum(f.rows_quarantined) as rows_quarantined,
       (sum(f.rows_quarantined)::float8 / nullif(sum(f.rows_delivered), 0)) as quarantine_rate
from latest l join ledger.files f on f.delivery_id = l.delivery_id
where f.status in ('loaded', 'quarantined') and f.kind <> 'vcf'
group by l.feed, l.gmc_code""",
    )
    rate.add(
        "below_warning_bound",
        "plausibility",
        "warning",
        gxe.ExpectColumnValuesToBeBetween,
        column="quarantine_rate",
        min_value=0,
        max_value=QUARANTINE_RATE_WARNING,
    )
    rate.add(
        "below_critical_bound",
        "plausibility",
        "critical",
        gxe.ExpectColumnValuesToBeBetween,
        column="quarantine_rate",
        min_value=0,
        max_value=QUARANTINE_RATE_CRITICAL,
    )
    return [recon, files, rate]
