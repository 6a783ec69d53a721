"""referrals/<gmc>/<date>/: participants.csv, phenotypes.csv, tumours.csv (feeds.md).

Identifiers are pseudonymised here: nhs_number becomes participant_pseudonym, date_of_birth
becomes year_of_birth and age_at_referral; neither reaches raw.

consent_status `declined`: the participant's rows are loaded nowhere. They are counted as
delivered and excluded (ledger.files.rows_excluded, excluded_reason `declined_consent`), so
rows_delivered = rows_loaded + rows_quarantined + rows_excluded still holds; the phenotypes
and tumours of a participant declined in the same delivery are excluded the same way.
A participant withdrawn with `no_further_use` before the delivery date is quarantined
(WITHDRAWN_PARTICIPANT) if a GMC delivers them again.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from domain.reasons import RowReason
from loaders.feeds.common import (
    FAMILY_ID,
    PLATEKEY,
    REFERRAL_ID,
    YES_NO,
    age_on,
    reject_withdrawn,
    withdrawn,
)
from loaders.ingest import (
    Col,
    Delivery,
    FileContext,
    Run,
    TableSpec,
    delivered_file,
    load_delimited,
)
from loaders.ingest.errors import RowError, RowExcluded
from loaders.ingest.parsing import csv_text_records
from loaders.ingest.validation import (
    GMC_CODES,
    Dates,
    NhsNumbers,
    date_check,
    hpo_term,
    icd10,
    icd10_dotted,
    in_set,
    not_before,
    pattern,
)

DECLINED = "declined_consent"
SEX = frozenset({"male", "female", "unknown"})
RELATIONSHIP = frozenset({"proband", "mother", "father", "sibling", "other"})
AFFECTION = frozenset({"affected", "unaffected", "unknown"})
PROGRAMME = frozenset({"rare_disease", "cancer"})
CONSENT = frozenset({"consented", "declined"})


def declined_referrals(landing: Path, delivery: Delivery) -> frozenset[str]:
    """Referral ids whose consent_status is `declined` in this delivery's participants.csv.

    Read leniently (any record with the two columns counts, undecodable bytes replaced):
    this only decides which phenotype/tumour rows to exclude, and a defect elsewhere in the
    file (one oversized or badly quoted record, a stray byte) must not hide a decline.
    participants.csv itself is validated strictly. Read only through `delivered_file`: a
    link out of the landing area is not followed.
    """
    path = delivered_file(landing, delivery, "participants.csv")
    if path is None:
        return frozenset()
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return frozenset()
    records = list(csv_text_records(io.StringIO(text, newline="")))
    if not records:
        return frozenset()
    header = records[0][2]
    if "referral_id" not in header or "consent_status" not in header:
        return frozenset()
    rid, consent = header.index("referral_id"), header.index("consent_status")
    return frozenset(
        fields[rid]
        for _, _, fields, _, _ in records[1:]
        if len(fields) > max(rid, consent) and fields[consent] == "declined"
    )


def participants_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    gmc = ctx.delivery.gmc_code
    gone, _ = withdrawn(run, ctx.delivery.delivery_date)
    check_gmc = in_set("gmc_code", GMC_CODES)

    def gmc_code(v: str) -> str:
        check_gmc(v)
        if gmc and v != gmc:
            raise RowError(
                RowReason.UNKNOWN_CODE, f"gmc_code {v!r} delivered in the folder of {gmc}"
            )
        return v

    cols = [
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("gmc_code", gmc_code, max_len=3),
        Col("nhs_number", NhsNumbers(run.pseudonymiser, "nhs_number"), max_len=12, sensitive=True),
        Col(
            "date_of_birth",
            date_check(dates, "date_of_birth", sensitive=True),
            max_len=10,
            sensitive=True,
        ),
        Col("sex", in_set("sex", SEX)),
        Col("family_id", pattern("family_id", FAMILY_ID, "FAM + 7 digits"), max_len=10),
        Col("relationship_to_proband", in_set("relationship_to_proband", RELATIONSHIP)),
        Col("affection_status", in_set("affection_status", AFFECTION)),
        Col("programme", in_set("programme", PROGRAMME)),
        Col("disease_group", max_len=200),
        Col("specific_disease", max_len=200),
        Col("referral_date", date_check(dates, "referral_date"), max_len=10),
        Col("consent_status", in_set("consent_status", CONSENT)),
    ]

    def row(v: list) -> list:
        (rid, gmc_v, pseudo, dob_s, sex, fam, rel, aff, prog, group, disease, ref_s, consent) = v
        born: date = dates.parse("date_of_birth", dob_s, sensitive=True)
        referred: date = dates.parse("referral_date", ref_s)
        not_before(referred, born, "referral_date is before date_of_birth")
        if consent == "declined":
            raise RowExcluded(DECLINED)
        reject_withdrawn(rid, gone)
        return [
            rid,
            gmc_v,
            pseudo,
            str(born.year),
            str(age_on(born, referred)),
            sex,
            fam,
            rel,
            aff,
            prog,
            group,
            disease,
            ref_s,
            consent,
        ]

    return TableSpec(
        "raw.referrals_participants",
        cols,
        [
            "referral_id",
            "gmc_code",
            "participant_pseudonym",
            "year_of_birth",
            "age_at_referral",
            "sex",
            "family_id",
            "relationship_to_proband",
            "affection_status",
            "programme",
            "disease_group",
            "specific_disease",
            "referral_date",
            "consent_status",
        ],
        row,
        key=("referral_id",),
    )


def _skip_declined_or_withdrawn(rid: str, declined: frozenset[str], gone: frozenset[str]):
    if rid in declined:
        raise RowExcluded(DECLINED)
    reject_withdrawn(rid, gone)


def phenotypes_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    declined = declined_referrals(run.landing, ctx.delivery)
    gone, _ = withdrawn(run, ctx.delivery.delivery_date)

    cols = [
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("hpo_id", hpo_term(), max_len=10),
        Col("observed", in_set("observed", YES_NO)),
        Col("recorded_date", date_check(dates, "recorded_date"), max_len=10),
    ]

    def row(v: list) -> list:
        _skip_declined_or_withdrawn(v[0], declined, gone)
        return v

    return TableSpec(
        "raw.referrals_phenotypes",
        cols,
        ["referral_id", "hpo_id", "observed", "recorded_date"],
        row,
        key=("referral_id", "hpo_id"),
    )


def tumours_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    declined = declined_referrals(run.landing, ctx.delivery)
    gone, _ = withdrawn(run, ctx.delivery.delivery_date)

    cols = [
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("tumour_id", max_len=32),
        Col("tumour_icd10", icd10("tumour_icd10", icd10_dotted()), max_len=6),
        Col("diagnosis_date", date_check(dates, "diagnosis_date"), max_len=10),
        Col(
            "tumour_sample_platekey",
            pattern("tumour_sample_platekey", PLATEKEY, "a platekey"),
            max_len=17,
        ),
        Col(
            "germline_sample_platekey",
            pattern("germline_sample_platekey", PLATEKEY, "a platekey"),
            max_len=17,
        ),
    ]

    def row(v: list) -> list:
        _skip_declined_or_withdrawn(v[0], declined, gone)
        return v

    return TableSpec(
        "raw.referrals_tumours",
        cols,
        [
            "referral_id",
            "tumour_id",
            "tumour_icd10",
            "diagnosis_date",
            "tumour_sample_platekey",
            "germline_sample_platekey",
        ],
        row,
        key=("tumour_id",),
    )


def load_delivery(run: Run, delivery: Delivery) -> None:
    def handler(make):
        return lambda ctx: load_delimited(ctx, make(run, ctx))

    run.load_fixed(
        delivery,
        [
            ("participants.csv", "participants", handler(participants_spec)),
            ("phenotypes.csv", "phenotypes", handler(phenotypes_spec)),
            ("tumours.csv", "tumours", handler(tumours_spec)),
        ],
    )
