"""Release suite: a cut research release, checked before it is published.

Run on the cut schema (`release_vN`, not yet granted to anyone). A critical failure means
the release is discarded and the previous one stays `release_latest`. The checks: one row
per participant in `participant`; every table's participant_id (and family id) refers to a
participant (family) of the same release; the programme's vocabularies; no value in any
text column shaped like an identifier the release must not hold (NHS number, referral id,
pseudonym, warehouse family id); a year of birth and never a date of birth.
"""

from __future__ import annotations

from quality.expectations.spec import AssetSuite, rows

#: Shapes of identifiers that must never appear in a release (SQL predicates on COL; no
#: regex braces, which GX would take for placeholders):
#: a ten-digit NHS number (spaced or not), a referral id (RR + 6 or more digits: a trust
#: code such as RR8 is not one), a 64-hex keyed-hash
#: pseudonym, a warehouse family id (FAM + digits).
IDENTIFIER_SHAPES = {
    "nhs_number": (
        "COL ~ '(^|[^0-9])[0-9][0-9][0-9] ?[0-9][0-9][0-9] ?[0-9][0-9][0-9][0-9]([^0-9]|$)'"
    ),
    "referral_id": "(length(COL) >= 8 and COL ~ '^RR[0-9]+$')",
    "pseudonym": "(length(COL) = 64 and COL ~ '^[0-9a-f]+$')",
    "family_id": "COL ~ '^FAM[0-9]+$'",
}

#: (table, column) -> the values the programme's releases use.
VOCABULARIES = {
    ("participant", "programme"): ["Rare Diseases", "Cancer"],
    ("participant", "participant_type"): ["Proband", "Relative"],
    ("participant", "participant_phenotypic_sex"): ["Male", "Female", "Indeterminate"],
    ("participant", "programme_consent_status"): ["Consenting"],
    ("rare_diseases_pedigree_member", "affection_status"): ["Affected", "Unaffected", "Unknown"],
    ("rare_diseases_participant_phenotype", "hpo_present"): ["Yes", "No"],
    ("tiering_data", "tier"): ["TIER1", "TIER2", "TIER3"],
    ("tiering_data", "assembly"): ["GRCh38"],
    ("tiering_data", "penetrance"): ["complete"],
    ("gmc_exit_questionnaire", "case_solved_family"): ["yes", "no", "partially", "unknown"],
    ("hes_ae", "diagscheme"): ["02"],
}


def build(schema: str, tables: dict[str, list[str]]) -> list[AssetSuite]:
    """Suites over release `schema`, whose tables and (text) columns are `tables`."""
    import great_expectations.expectations as gxe

    out = []
    for table in sorted(tables):
        cols = tables[table]
        if ":" in table:
            continue
        s = AssetSuite(f"release.{table}", table=f"{schema}.{table}")
        if table == "participant":
            s.add("participant_id.one_row_per_participant", "conformance", "critical",
                  gxe.ExpectColumnValuesToBeUnique, column="participant_id")  # fmt: skip
            s.add("participant_id.not_null", "completeness", "critical",
                  gxe.ExpectColumnValuesToNotBeNull, column="participant_id")  # fmt: skip
            s.add("year_of_birth.plausible", "plausibility", "critical",
                  gxe.ExpectColumnValuesToBeBetween, column="year_of_birth",
                  min_value=1900, max_value=2030)  # fmt: skip
        if "participant_id" in cols and table != "participant":
            s.add("participant_id.in_participant", "conformance", "critical",
                  gxe.UnexpectedRowsExpectation,
                  **rows(f"select t.participant_id from {{batch}} t where not exists "
                         f"(select 1 from {schema}.participant p "
                         f"where p.participant_id = t.participant_id)"))  # fmt: skip
        if "rare_diseases_family_id" in cols and table != "rare_diseases_family":
            s.add("rare_diseases_family_id.in_family", "conformance", "critical",
                  gxe.UnexpectedRowsExpectation,
                  **rows(f"select t.rare_diseases_family_id from {{batch}} t "
                         f"where t.rare_diseases_family_id is not null and not exists "
                         f"(select 1 from {schema}.rare_diseases_family f where "
                         f"f.rare_diseases_family_id = t.rare_diseases_family_id)"))  # fmt: skip
        for c in cols:
            if c in ("date_of_birth", "dob", "nhs_number", "referral_id", "family_id_text"):
                s.add(f"{c}.not_released", "conformance", "critical",
                      gxe.UnexpectedRowsExpectation,
                      **rows(f"select 1 from {{batch}} t where t.{c} is not null"))  # fmt: skip
        for (vt, vc), values in VOCABULARIES.items():
            if vt == table and vc in cols:
                s.add(f"{vc}.in_vocabulary", "conformance", "critical",
                      gxe.ExpectColumnValuesToBeInSet, column=vc, value_set=values)  # fmt: skip
        text_cols = tables.get(f"{table}:text", [])
        if text_cols:
            shapes = " or ".join(
                predicate.replace("COL", f"t.{c}")
                for c in text_cols
                for predicate in IDENTIFIER_SHAPES.values()
            )
            s.add("no_identifier_shaped_values", "conformance", "critical",
                  gxe.UnexpectedRowsExpectation,
                  **rows(f"select 1 from {{batch}} t where {shapes}"))  # fmt: skip
        if s.checks:
            out.append(s)
    return out
