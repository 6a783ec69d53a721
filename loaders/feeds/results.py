"""results/<gmc>/<date>/exit_questionnaires.csv (feeds.md): the GMC's decision per family."""

from __future__ import annotations

import re

from domain.genes import GRCH38_CONTIGS
from domain.reasons import RowReason
from loaders.feeds.common import FAMILY_ID, REFERRAL_ID, reject_withdrawn, withdrawn
from loaders.ingest import Col, Delivery, FileContext, Run, TableSpec, load_delimited
from loaders.ingest.errors import RowError
from loaders.ingest.validation import (
    Dates,
    date_check,
    hgnc_symbols,
    in_set,
    pattern,
    shown,
)

CASE_SOLVED = frozenset({"yes", "partially", "no", "unknown"})
ACMG = frozenset({"pathogenic", "likely_pathogenic", "vus"})
ACTIONABILITY = frozenset({"yes", "no", "unknown"})
_VARIANT = re.compile(r"(chr[0-9XYM]{1,2}):([1-9][0-9]*):([ACGTN]+):([ACGTN]+)")
_CONTIGS = frozenset(GRCH38_CONTIGS)


def causal_variant(v: str) -> str:
    m = _VARIANT.fullmatch(v)
    if not m:
        raise RowError(
            RowReason.INVALID_FORMAT, f"causal_variant: {shown(v)} is not chr:pos:ref:alt"
        )
    if m.group(1) not in _CONTIGS:
        raise RowError(RowReason.UNKNOWN_CODE, f"causal_variant: contig {m.group(1)} not in GRCh38")
    return v


def results_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    gone, _ = withdrawn(run, ctx.delivery.delivery_date)

    cols = [
        Col("family_id", pattern("family_id", FAMILY_ID, "FAM + 7 digits"), max_len=10),
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("result_date", date_check(dates, "result_date"), max_len=10),
        Col("case_solved", in_set("case_solved", CASE_SOLVED)),
        Col("causal_gene", in_set("causal_gene", hgnc_symbols()), required=False, max_len=32),
        Col("causal_variant", causal_variant, required=False, max_len=200),
        Col("acmg_classification", in_set("acmg_classification", ACMG), required=False),
        Col("actionability", in_set("actionability", ACTIONABILITY)),
    ]

    def row(v: list) -> list:
        reject_withdrawn(v[1], gone)
        return v

    return TableSpec(
        "raw.results_exit_questionnaires",
        cols,
        [
            "family_id",
            "referral_id",
            "result_date",
            "case_solved",
            "causal_gene",
            "causal_variant",
            "acmg_classification",
            "actionability",
        ],
        row,
        key=("referral_id",),
    )


def load_delivery(run: Run, delivery: Delivery) -> None:
    run.load_fixed(
        delivery,
        [
            (
                "exit_questionnaires.csv",
                "exit_questionnaires",
                lambda ctx: load_delimited(ctx, results_spec(run, ctx)),
            ),
        ],
    )
