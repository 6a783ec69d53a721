"""Planting specification breaches (`--defects RATE`) and recording each in defects.csv.

Why one breach per row: the loaders' tests assert that the quarantine reason equals the
recorded expected_reason, which is only well defined when exactly one rule is broken.
With rate 0 nothing is ever changed (every planting call is guarded by `rate > 0`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from domain.reasons import FileReason, RowReason
from formats.bgzf import block_spans
from simulator import catalogue as cat

INCOMPLETE_DELIVERY = "incomplete_delivery"
BAD_DATES = ("2019-02-30", "31/12/2018", "2021-13-01", "2020-04-31")
LONG_TEXT = "Intellectual disability " * 420  # ~10,000 characters
FORMULA_PREFIXES = ("=", "+", "-", "@")


@dataclass
class Defect:
    kind: str
    feed: str
    path: str  # relative to landing/
    line: int | None
    expected_reason: str
    detail: str


# A row mutation: (row, header) -> (rows replacing it, index in them of the defective row,
# expected reason, detail) or None when the row is not eligible.
Mutation = Callable[
    [list[str], list[str], random.Random], tuple[list[list[str]], int, str, str] | None
]


def _set(
    field: str, value: Callable[[random.Random, str], str], reason: str, what: str
) -> Mutation:
    def m(row, header, rng):
        if field not in header:
            return None
        i = header.index(field)
        new = list(row)
        new[i] = value(rng, row[i])
        return [new], 0, reason, f"{field}: {what}"

    return m


def _nhs(field: str) -> Mutation:
    from domain.nhs import corrupt_check_digit

    return _set(
        field,
        lambda rng, v: corrupt_check_digit(v),
        RowReason.INVALID_NHS_NUMBER,
        "check digit altered",
    )


def _bad_date(field: str) -> Mutation:
    return _set(
        field,
        lambda rng, v: rng.choice(BAD_DATES),
        RowReason.INVALID_DATE,
        "not an ISO calendar date",
    )


def _extra_column(row, header, rng):
    return [list(row) + ["extra"]], 0, RowReason.WRONG_COLUMN_COUNT, "one field too many"


def _missing_column(row, header, rng):
    return [list(row[:-1])], 0, RowReason.WRONG_COLUMN_COUNT, "last field missing"


def _duplicate(key: str) -> Mutation:
    def m(row, header, rng):
        return [list(row), list(row)], 1, RowReason.DUPLICATE_KEY, f"{key} repeated from line above"

    return m


def _dob_before_1900(row, header, rng):
    i = header.index("date_of_birth")
    new = list(row)
    new[i] = f"18{rng.randint(50, 98)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    return [new], 0, RowReason.IMPOSSIBLE_DATE, "date_of_birth before 1900-01-01"


def _hes_disdate_before(row, header, rng):
    from datetime import date, timedelta

    a, d = header.index("ADMIDATE"), header.index("DISDATE")
    new = list(row)
    new[d] = (date.fromisoformat(row[a]) - timedelta(days=rng.randint(2, 30))).isoformat()
    return [new], 0, RowReason.IMPOSSIBLE_DATE, "DISDATE before ADMIDATE"


def _dor_before_dod(row, header, rng):
    from datetime import date, timedelta

    a, d = header.index("DOD"), header.index("DOR")
    new = list(row)
    new[d] = (date.fromisoformat(row[a]) - timedelta(days=rng.randint(3, 40))).isoformat()
    return [new], 0, RowReason.IMPOSSIBLE_DATE, "DOR before DOD"


def _formula(field: str) -> Mutation:
    def m(row, header, rng):
        i = header.index(field)
        new = list(row)
        new[i] = rng.choice(FORMULA_PREFIXES) + row[i]
        return [new], 0, "", f"{field} starts with a formula character (legal text)"

    return m


def _icd(field: str, hes: bool) -> Mutation:
    def value(rng, v):
        c = rng.choice(cat.BOGUS_ICD10[:2])
        return cat.hes_icd10(c) if hes else c

    return _set(field, value, RowReason.UNKNOWN_ICD10, "ICD-10 code that does not exist")


def _code(field: str, bad: str) -> Mutation:
    return _set(field, lambda rng, v: bad, RowReason.UNKNOWN_CODE, f"value {bad!r} not allowed")


MUTATIONS: dict[str, dict[str, Mutation]] = {
    "participants": {
        "invalid_nhs_number": _nhs("nhs_number"),
        "invalid_date": _bad_date("date_of_birth"),
        "impossible_date": _dob_before_1900,
        "unknown_gmc": _code("gmc_code", "ZZZ"),
        "unknown_sex": _code("sex", "M"),
        "invalid_referral_id": _set(
            "referral_id", lambda rng, v: v[:-2], RowReason.INVALID_FORMAT, "referral_id too short"
        ),
        "extra_column": _extra_column,
        "missing_column": _missing_column,
        "field_too_long": _set(
            "specific_disease",
            lambda rng, v: LONG_TEXT,
            RowReason.FIELD_TOO_LONG,
            "about 10,000 characters",
        ),
        "embedded_nul": _set(
            "specific_disease",
            lambda rng, v: v[:4] + "\x00" + v[4:],
            RowReason.EMBEDDED_NUL,
            "NUL byte inside the text",
        ),
        "duplicate_key": _duplicate("referral_id"),
    },
    "phenotypes": {
        "unknown_hpo_term": _set(
            "hpo_id",
            lambda rng, v: rng.choice(cat.BOGUS_HPO_IDS),
            RowReason.UNKNOWN_HPO_TERM,
            "well-formed, not in HPO",
        ),
        "invalid_date": _bad_date("recorded_date"),
        "unknown_observed": _code("observed", "maybe"),
        "extra_column": _extra_column,
    },
    "tumours": {
        "unknown_icd10": _icd("tumour_icd10", hes=False),
        "invalid_date": _bad_date("diagnosis_date"),
        "missing_column": _missing_column,
        "formula_text": _formula("tumour_id"),
    },
    "exit_questionnaires": {
        "unknown_case_solved": _code("case_solved", "solved"),
        "invalid_date": _bad_date("result_date"),
        "extra_column": _extra_column,
    },
    "withdrawals": {
        "unknown_option": _code("withdrawal_option", "withdraw_all"),
        "invalid_date": _bad_date("withdrawal_date"),
    },
    "hes_apc": {
        "invalid_nhs_number": _nhs("NEWNHSNO"),
        "invalid_date": _bad_date("ADMIDATE"),
        "impossible_date": _hes_disdate_before,
        "unknown_icd10": _icd("DIAG_4_01", hes=True),
        "unknown_sex": _code("SEX", "5"),
        "duplicate_key": _duplicate("EPIKEY"),
        "extra_column": _extra_column,
    },
    "hes_op": {
        "invalid_nhs_number": _nhs("NEWNHSNO"),
        "invalid_date": _bad_date("APPTDATE"),
        "unknown_icd10": _icd("DIAG_4_01", hes=True),
        "duplicate_key": _duplicate("ATTENDKEY"),
        "missing_column": _missing_column,
    },
    "hes_ae": {
        "invalid_nhs_number": _nhs("NEWNHSNO"),
        "invalid_date": _bad_date("ARRIVALDATE"),
        "duplicate_key": _duplicate("AEKEY"),
        "extra_column": _extra_column,
    },
    "deaths": {
        "invalid_nhs_number": _nhs("NEWNHSNO"),
        "invalid_date": _bad_date("DOD"),
        "impossible_date": _dor_before_dod,
        "unknown_icd10": _icd("CAUSE_OF_DEATH", hes=True),
    },
}


class DefectPlanter:
    """Decides, deterministically, where breaches go, and records every one."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self.records: list[Defect] = []

    def _hit(self) -> bool:
        return self.rate > 0 and self.rng.random() < self.rate

    def folder_incomplete(self, feed: str, rel_folder: str) -> bool:
        """Leave this delivery folder without `_SUCCESS`?"""
        if self._hit():
            self.records.append(
                Defect(
                    "missing_success",
                    feed,
                    rel_folder,
                    None,
                    INCOMPLETE_DELIVERY,
                    "_SUCCESS never written",
                )
            )
            return True
        return False

    def rows(
        self, feed: str, rel_path: str, header: list[str], rows: list[list[str]]
    ) -> list[list[str]]:
        """Rows with breaches planted; line numbers are recorded for the final layout."""
        if self.rate <= 0:
            return rows
        muts = MUTATIONS.get(feed, {})
        kinds = sorted(muts)
        out: list[list[str]] = []
        for row in rows:
            if kinds and self._hit():
                kind = self.rng.choice(kinds)
                res = muts[kind](row, header, self.rng)
                if res is not None:
                    new_rows, bad_i, reason, detail = res
                    line = len(out) + bad_i + 2  # header is line 1
                    out.extend(new_rows)
                    self.records.append(Defect(kind, feed, rel_path, line, str(reason), detail))
                    continue
            out.append(row)
        return out

    def file_not_utf8(self, feed: str, rel_path: str, data: bytes) -> bytes:
        """Maybe replace the file with one carrying an invalid UTF-8 byte (whole-file)."""
        if not self._hit() or data.count(b"\n") < 2:
            return data
        lines = data.split(b"\n")
        i = 1 + self.rng.randrange(len(lines) - 1)
        if not lines[i]:
            i = 1
        lines[i] = lines[i][:3] + b"\xe9" + lines[i][3:]
        self.records.append(
            Defect(
                "not_utf8",
                feed,
                rel_path,
                None,
                str(FileReason.NOT_UTF8),
                f"byte 0xE9 (latin-1) on line {i + 1}",
            )
        )
        return b"\n".join(lines)

    def vcf_breach(self, rel_path: str) -> str | None:
        """'truncate' or 'checksum' for a sequencing VCF, or None."""
        if not self._hit():
            return None
        if self.rng.random() < 0.5:
            self.records.append(
                Defect(
                    "truncated_vcf",
                    "sequencing",
                    rel_path,
                    None,
                    str(FileReason.UNREADABLE_GZIP),
                    "cut inside a BGZF block; manifest has the cut file's hash",
                )
            )
            return "truncate"
        self.records.append(
            Defect(
                "checksum_mismatch",
                "sequencing",
                rel_path,
                None,
                str(FileReason.CHECKSUM_MISMATCH),
                "manifest sha256 differs from the file",
            )
        )
        return "checksum"


def truncate_bgzf(path, rng: random.Random) -> None:
    """Cut a BGZF file inside one of its blocks (not at a boundary), so gzip reading fails."""
    data = path.read_bytes()
    starts = list(block_spans(data))
    big = [s for s in starts if s[1] > 60] or starts
    start, size = big[rng.randrange(len(big))] if len(big) > 1 else big[0]
    cut = start + max(20, size // 2)
    path.write_bytes(data[:cut])


# ---------------------------------------------------------------------------------------
# Data-quality defects: legal per the feed specification, so the loaders load them; only
# the data-quality checkpoints (expectations/) can catch them. Recorded in
# ground_truth/dq_defects.csv, not defects.csv: every row of defects.csv is a promise that
# the loader quarantines it (tests/test_load_simulated.py), which these break on purpose.
# ---------------------------------------------------------------------------------------

DQ_DEFECT_COLS = ["defect_id", "kind", "feed", "path", "key", "expectation", "severity",
                  "detail"]  # fmt: skip

#: kind -> (expectation that must fail, its severity). The HES kind's expectation depends
#: on the file (raw.hes_apc/hes_op/hes_ae), filled in when planted.
DQ_KINDS: dict[str, tuple[str, str]] = {
    "low_coverage": ("genomics.sample_qc.mean_coverage.germline_usable", "critical"),
    "high_contamination": ("genomics.sample_qc.contamination.usable", "critical"),
    "sex_swap": ("genomics.sample_qc.sex.reported_matches_inferred", "warning"),
    "result_before_referral": (
        "raw.results_exit_questionnaires.result_after_referral",
        "critical",
    ),
    "hes_redelivery_dropped_rows": ("raw.{table}.redelivery_keeps_rows", "critical"),
}
QC_KINDS = ("low_coverage", "high_contamination", "sex_swap")


@dataclass
class DqDefect:
    kind: str
    feed: str
    path: str  # relative to landing/
    key: str  # platekey, family_id or "<n> rows"
    expectation: str
    severity: str
    detail: str


class DqDefectPlanter:
    """Plants data-quality defects at `rate`, each kind at least once when rate > 0.

    Why "at least once": the tests must see every kind caught even in a small simulation,
    and a kind that never appears would make its expectation untested. The first eligible
    target of each kind gets it; later targets at `rate`. Uses its own random stream, so
    the loader defects of a seed are the same as before these existed.
    """

    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self.records: list[DqDefect] = []

    def _planted(self, kind: str) -> bool:
        return any(d.kind == kind for d in self.records)

    def _want(self, kind: str) -> bool:
        if self.rate <= 0:
            return False
        return not self._planted(kind) or self.rng.random() < self.rate

    def _record(self, kind: str, feed: str, path: str, key: str, detail: str, **fmt) -> None:
        exp, sev = DQ_KINDS[kind]
        self.records.append(DqDefect(kind, feed, path, key, exp.format(**fmt), sev, detail))

    def qc(self, doc: dict, sample_type: str, rel_path: str) -> dict:
        """Maybe degrade a germline QC JSON document (returns the document to write)."""
        if self.rate <= 0 or sample_type != "germline":
            return doc
        pending = [k for k in QC_KINDS if not self._planted(k)]
        if doc["reported_sex"] not in ("male", "female"):
            pending = [k for k in pending if k != "sex_swap"]
        if pending:
            kind = pending[0]
        elif self.rng.random() < self.rate:
            kind = self.rng.choice(QC_KINDS)
            if kind == "sex_swap" and doc["reported_sex"] not in ("male", "female"):
                return doc
        else:
            return doc
        doc = dict(doc)
        if kind == "low_coverage":
            doc["mean_coverage"] = round(self.rng.uniform(6.0, 12.0), 2)
            doc["pct_bases_ge_15x"] = round(self.rng.uniform(2.0, 30.0), 2)
            detail = "mean coverage below 15x"
        elif kind == "high_contamination":
            doc["contamination_fraction"] = round(self.rng.uniform(0.12, 0.30), 4)
            detail = "contamination fraction above 10 %"
        else:
            doc["inferred_sex"] = "female" if doc["reported_sex"] == "male" else "male"
            detail = "inferred sex is the other sex (a sample swap)"
        self._record(kind, "sequencing", rel_path, doc["platekey"], detail)
        return doc

    def result_date(self, result: str, referral: str, family_id: str, rel_path: str) -> str:
        """Maybe move an exit questionnaire's result_date before the proband's referral."""
        from datetime import date, timedelta

        if not result or not referral or not self._want("result_before_referral"):
            return result
        moved = date.fromisoformat(referral) - timedelta(days=self.rng.randint(5, 60))
        self._record("result_before_referral", "results", rel_path, family_id,
                     "result_date before the proband's referral_date (other file)")  # fmt: skip
        return moved.isoformat()

    def hes_rows(
        self, kind: str, rel_path: str, header: list[str], rows: list[list[str]], carried: set
    ) -> list[list[str]]:
        """Maybe drop rows a year-to-date re-delivery must carry (keys in `carried`)."""
        key_field = {"apc": "EPIKEY", "op": "ATTENDKEY", "ae": "AEKEY"}[kind]
        i = header.index(key_field)
        eligible = [n for n, r in enumerate(rows) if r[i] in carried]
        if not eligible or not self._want("hes_redelivery_dropped_rows"):
            return rows
        drop = set(self.rng.sample(eligible, min(len(eligible), self.rng.randint(1, 3))))
        self._record("hes_redelivery_dropped_rows", f"hes_{kind}", rel_path,
                     f"{len(drop)} rows", f"{len(drop)} {key_field}(s) of the previous "
                     "delivery this year left out", table=f"hes_{kind}")  # fmt: skip
        return [r for n, r in enumerate(rows) if n not in drop]
