"""Quarantine reason codes: the one vocabulary shared by the loaders (which assign them),
the simulator (which records the reason each planted defect must get) and the tests.

Row reasons quarantine one line of a file; file reasons quarantine the whole file.
"""

from __future__ import annotations

from enum import StrEnum


class RowReason(StrEnum):
    WRONG_COLUMN_COUNT = "wrong_column_count"  # row has more/fewer fields than the header
    #: breaks RFC 4180 quoting: text after a closing quote, a quote inside an unquoted
    #: field, a quote never closed
    MALFORMED_CSV = "malformed_csv"
    MISSING_REQUIRED = "missing_required"  # a required field is empty
    INVALID_NHS_NUMBER = "invalid_nhs_number"  # not 10 digits or bad Modulus 11 check digit
    INVALID_DATE = "invalid_date"  # not an ISO YYYY-MM-DD calendar date
    IMPOSSIBLE_DATE = "impossible_date"  # future, before 1900, or out of order
    INVALID_FORMAT = "invalid_format"  # identifier pattern broken (RR########, FAM#######...)
    UNKNOWN_CODE = "unknown_code"  # value outside the allowed set (GMC, sex, HES codes...)
    UNKNOWN_HPO_TERM = "unknown_hpo_term"  # HP:####### that is not a real HPO term
    UNKNOWN_ICD10 = "unknown_icd10"  # ICD-10 code that does not exist
    WRONG_TYPE = "wrong_type"  # a number field that is not a number
    FIELD_TOO_LONG = "field_too_long"  # longer than the column allows
    EMBEDDED_NUL = "embedded_nul"  # NUL byte inside a field
    DUPLICATE_KEY = "duplicate_key"  # business key repeated within one file
    WITHDRAWN_PARTICIPANT = "withdrawn_participant"  # re-delivery of a withdrawn participant
    VERSION_NOT_NEWER = "version_not_newer"  # a PanelApp panel version below one loaded


class FileReason(StrEnum):
    WRONG_HEADER = "wrong_header"  # column set differs from feeds.md
    NOT_UTF8 = "not_utf8"
    BAD_FORMAT = "bad_format"  # not parseable as the declared format (CSV, JSON, VCF body)
    CHECKSUM_MISMATCH = "checksum_mismatch"  # SHA-256 differs from the manifest
    UNREADABLE_GZIP = "unreadable_gzip"  # truncated or corrupt gzip/BGZF
    NOT_BGZF = "not_bgzf"  # plain gzip where an index is claimed
    BROKEN_VCF_HEADER = "broken_vcf_header"
    CONTIG_NOT_IN_BUILD = "contig_not_in_build"  # contigs outside GRCh38 chr1..22,X,Y,M
    NOT_IN_MANIFEST = "not_in_manifest"  # a sequencing file the manifest does not list
    UNSAFE_PATH = "unsafe_path"  # '..', absolute, or symlink leaving the landing area
