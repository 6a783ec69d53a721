"""hes/<YYYY-MM>/hes_apc.txt, hes_op.txt, hes_ae.txt (feeds.md, pipe-delimited).

The volume feed (year-to-date, monthly, ~1M APC rows). The specs below are all the loaders
know of it: the block path of `load_delimited` (loaders/ingest/blocks.py) checks whole
blocks of records against them and loads by binary COPY; every check is a set lookup, a
date or NHS number checked once per distinct value, or a declared date-order rule.
Raw columns are the HES field names lowercased, with NEWNHSNO replaced by
participant_pseudonym. OPCS `-` (no procedure) is kept as delivered.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import product

from domain.reasons import RowReason
from loaders.ingest import Col, DateOrder, Delivery, FileContext, Run, TableSpec, load_delimited
from loaders.ingest.errors import RowError
from loaders.ingest.validation import (
    ADMIMETH,
    ALNUM_UPPER,
    ATTENDED,
    CLASSPAT,
    DISMETH,
    HES_SEX,
    Dates,
    NhsNumbers,
    date_check,
    icd10,
    icd10_hes,
    in_set,
    integer,
    opcs4,
    set_check,
    shown,
)

#: OP FIRSTATT: 1 first, 2 follow-up, 3 first by telephone/telemedicine, 4 follow-up by
#: telephone/telemedicine, 5 referral to a further opinion, X not known (HES data dictionary).
FIRSTATT = frozenset({"1", "2", "3", "4", "5", "X"})
#: A&E arrival mode: 1 ambulance (incl. helicopter), 2 other means.
AEARRIVALMODE = frozenset({"1", "2"})

DIAG_APC = [f"DIAG_4_{i:02d}" for i in range(1, 21)]
DIAG_OP = [f"DIAG_4_{i:02d}" for i in range(1, 13)]
DIAG_AE = [f"DIAG_{i:02d}" for i in range(1, 13)]
OPERTN = [f"OPERTN_4_{i:02d}" for i in range(1, 25)]


@cache
def _alnum_codes(length: int) -> frozenset[str]:
    """Every upper-case alphanumeric string of `length` (HES source/destination/specialty
    codes are validated by shape; as a set the fast path tests them without a call)."""
    return frozenset("".join(p) for p in product(sorted(ALNUM_UPPER), repeat=length))


def _code(column: str, length: int):
    """An alphanumeric code of fixed length (HES source/destination/specialty codes)."""
    codes = _alnum_codes(length)

    def check(v: str) -> str:
        if v in codes:
            return v
        raise RowError(
            RowReason.UNKNOWN_CODE, f"{column}: {shown(v)} is not a {length}-character HES code"
        )

    return set_check(check, codes)


_PROCODE = re.compile(r"[A-Z0-9]{3,5}")


def _procode(v: str) -> str:
    if _PROCODE.fullmatch(v):
        return v
    raise RowError(RowReason.INVALID_FORMAT, f"PROCODE: {shown(v)} is not an ODS provider code")


def _common(run: Run) -> list[Col]:
    return [
        Col("NEWNHSNO", NhsNumbers(run.pseudonymiser, "NEWNHSNO"), max_len=12, sensitive=True),
        Col("SEX", in_set("SEX", HES_SEX), max_len=1),
        Col("PROCODE", _procode, max_len=5),
    ]


def _diag_opertn(diags: list[str], opertn: list[str]) -> list[Col]:
    codes = icd10_hes()
    return [Col(c, icd10(c, codes), required=False, max_len=4) for c in diags] + [
        Col(c, opcs4(c), required=False, max_len=4) for c in opertn
    ]


def apc_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    cols = (
        _common(run)
        + [
            Col("EPIKEY", max_len=32),
            Col("ADMIDATE", date_check(dates, "ADMIDATE"), max_len=10),
            Col("EPISTART", date_check(dates, "EPISTART"), max_len=10),
            Col("EPIEND", date_check(dates, "EPIEND"), required=False, max_len=10),
            Col("DISDATE", date_check(dates, "DISDATE"), required=False, max_len=10),
            Col("EPIORDER", integer("EPIORDER", 1, 99), required=False, max_len=2),
            Col("ADMIMETH", in_set("ADMIMETH", ADMIMETH), required=False, max_len=2),
            Col("ADMISORC", _code("ADMISORC", 2), required=False, max_len=2),
            Col("DISMETH", in_set("DISMETH", DISMETH), required=False, max_len=1),
            Col("DISDEST", _code("DISDEST", 2), required=False, max_len=2),
            Col("CLASSPAT", in_set("CLASSPAT", CLASSPAT), required=False, max_len=1),
            Col("MAINSPEF", _code("MAINSPEF", 3), required=False, max_len=3),
            Col("TRETSPEF", _code("TRETSPEF", 3), required=False, max_len=3),
        ]
        + _diag_opertn(DIAG_APC, OPERTN)
    )

    return TableSpec(
        "raw.hes_apc",
        cols,
        ["participant_pseudonym"] + [c.name.lower() for c in cols[1:]],
        key=("EPIKEY",),
        rules=(
            DateOrder("ADMIDATE", "EPISTART", "EPISTART is before ADMIDATE"),
            DateOrder("EPISTART", "EPIEND", "EPIEND is before EPISTART"),
            DateOrder("ADMIDATE", "DISDATE", "DISDATE (discharge) is before ADMIDATE"),
            DateOrder("EPIEND", "DISDATE", "DISDATE is before EPIEND"),
        ),
        delimiter="|",
    )


def op_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    cols = (
        _common(run)
        + [
            Col("ATTENDKEY", max_len=32),
            Col("APPTDATE", date_check(dates, "APPTDATE"), max_len=10),
            Col("ATTENDED", in_set("ATTENDED", ATTENDED), required=False, max_len=1),
            Col("FIRSTATT", in_set("FIRSTATT", FIRSTATT), required=False, max_len=1),
            Col("MAINSPEF", _code("MAINSPEF", 3), required=False, max_len=3),
            Col("TRETSPEF", _code("TRETSPEF", 3), required=False, max_len=3),
        ]
        + _diag_opertn(DIAG_OP, OPERTN)
    )
    return TableSpec(
        "raw.hes_op",
        cols,
        ["participant_pseudonym"] + [c.name.lower() for c in cols[1:]],
        key=("ATTENDKEY",),
        delimiter="|",
    )


def ae_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)
    codes = icd10_hes()
    cols = (
        _common(run)
        + [
            Col("AEKEY", max_len=32),
            Col("ARRIVALDATE", date_check(dates, "ARRIVALDATE"), max_len=10),
            Col("AEARRIVALMODE", in_set("AEARRIVALMODE", AEARRIVALMODE), required=False, max_len=1),
            Col("AEATTENDDISP", _code("AEATTENDDISP", 2), required=False, max_len=2),
        ]
        + [Col(c, icd10(c, codes), required=False, max_len=4) for c in DIAG_AE]
    )
    return TableSpec(
        "raw.hes_ae",
        cols,
        ["participant_pseudonym"] + [c.name.lower() for c in cols[1:]],
        key=("AEKEY",),
        delimiter="|",
    )


def load_delivery(run: Run, delivery: Delivery) -> None:
    def handler(make):
        return lambda ctx: load_delimited(ctx, make(run, ctx))

    run.load_fixed(
        delivery,
        [
            ("hes_apc.txt", "hes_apc", handler(apc_spec)),
            ("hes_op.txt", "hes_op", handler(op_spec)),
            ("hes_ae.txt", "hes_ae", handler(ae_spec)),
        ],
    )
