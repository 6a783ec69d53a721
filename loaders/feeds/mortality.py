"""mortality/<YYYY-MM>/deaths.txt (feeds.md): ONS civil registration of deaths, pseudonymised.

Causes are ICD-10 without the dot as ONS writes them (3 or 4 characters; HES-style X
padding tolerated). The business key within a file is the person (one death each).
"""

from __future__ import annotations

from loaders.ingest import Col, DateOrder, Delivery, FileContext, Run, TableSpec, load_delimited
from loaders.ingest.validation import (
    Dates,
    NhsNumbers,
    date_check,
    icd10,
    icd10_ons,
)

CAUSES = [f"CAUSE_OF_DEATH_{i}" for i in range(1, 16)]


def deaths_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    codes = icd10_ons()

    cols = [
        Col("NEWNHSNO", NhsNumbers(run.pseudonymiser, "NEWNHSNO"), max_len=12, sensitive=True),
        Col("DOD", date_check(dates, "DOD"), max_len=10),
        Col("DOR", date_check(dates, "DOR"), max_len=10),
        Col("CAUSE_OF_DEATH", icd10("CAUSE_OF_DEATH", codes), max_len=4),
    ] + [Col(c, icd10(c, codes), required=False, max_len=4) for c in CAUSES]

    return TableSpec(
        "raw.mortality_deaths",
        cols,
        ["participant_pseudonym"] + [c.name.lower() for c in cols[1:]],
        key=("NEWNHSNO",),
        rules=(DateOrder("DOD", "DOR", "DOR (registration) is before DOD (death)"),),
        delimiter="|",
    )


def load_delivery(run: Run, delivery: Delivery) -> None:
    run.load_fixed(
        delivery,
        [
            ("deaths.txt", "deaths", lambda ctx: load_delimited(ctx, deaths_spec(run, ctx))),
        ],
    )
