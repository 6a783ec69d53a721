"""Readers for the delivered text formats, yielding (line number, raw text, fields, ...).

The raw text is kept so that a bad record can be quarantined exactly as delivered; the line
number is the physical line on which the record starts (CSV records may span lines inside
quotes). A UTF-8 BOM is stripped; any other undecodable byte makes the whole file NOT_UTF8.

CSV is read strictly by RFC 4180 (feeds.md): a record with text after a closing quote, a
quote inside an unquoted field or a quote never closed, and a record with a field over the
csv module's field-size limit, are yielded with the RowError that quarantines that record
alone; the records after it are read on from the next line. Python's csv reader, left
lenient, would load `"Neurology"xyz` as `Neurologyxyz` and stop the whole file at an
oversized field.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from domain.reasons import FileReason, RowReason
from loaders.ingest.errors import FileError, RowError

#: (line number, raw record text without its line ending, fields, values may need quoting
#: in the COPY stream, which is CSV with '|' as delimiter: see ledger.CopyWriter, and the
#: RowError of a record that breaks the format itself, else None). The fields of such a
#: record are a lenient reading, good only for recognising whose record it is.
Record = tuple[int, str, list[str], bool, RowError | None]

#: One RFC 4180 record: fields either quoted (a quote inside doubled) or free of quotes.
#: Both alternatives start on distinct characters, so matching is linear in the record.
_FIELD = r'(?:"(?:[^"]|"")*"|[^",\r\n]*)'
_RFC4180 = re.compile(f"{_FIELD}(?:,{_FIELD})*")


def _needs_escape(raw: str) -> bool:
    """Whether a CSV record's values may need quoting in the COPY (csv, '|') stream."""
    return "|" in raw or '"' in raw or "\r" in raw or "\n" in raw


def _strip_eol(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


def _not_utf8(path: Path) -> FileError:
    """NOT_UTF8 naming the line of the first undecodable byte (found by re-reading the
    bytes: the text layer decodes in chunks, so its position is not the line's)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = data.count(b"\n", 0, offset) + 1
        return FileError(
            FileReason.NOT_UTF8,
            f"{path.name}: not UTF-8 (byte 0x{data[offset]:02x} on line {line})",
        )
    return FileError(FileReason.NOT_UTF8, f"{path.name}: not UTF-8")


def pipe_records(path: Path) -> Iterator[Record]:
    """Records of a `|`-delimited HES/ONS file (no quoting, one record per line)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for lineno, line in enumerate(fh, 1):
                raw = line.rstrip("\r\n")
                yield lineno, raw, raw.split("|"), '"' in raw or "\r" in raw, None
    except UnicodeDecodeError:
        raise _not_utf8(path) from None


def _lenient(raw: str) -> list[str]:
    """Fields of a malformed record as a lenient reader sees them (never raises)."""
    try:
        return next(csv.reader([raw]), [])
    except csv.Error:
        return raw.split(",")


def _malformed(exc: csv.Error, start: int, end: int) -> RowError:
    """The quarantine reason for a record the strict reader refused."""
    text = str(exc)
    if "field limit" in text:
        return RowError(
            RowReason.FIELD_TOO_LONG,
            f"a field is over the CSV field-size limit of {csv.field_size_limit():,} characters",
        )
    if "expected after" in text:
        what = "text after a closing quote"
    elif "end of data" in text:
        what = f"a quote opened on line {start} is never closed (lines {start}-{end})"
    else:
        what = text
    return RowError(RowReason.MALFORMED_CSV, f"breaks RFC 4180 quoting: {what}")


def csv_records(path: Path) -> Iterator[Record]:
    """Records of an RFC 4180 CSV file (comma, double-quote quoting), strictly read."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv_text_records(fh)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None


def csv_text_records(fh: Iterable[str]) -> Iterator[Record]:
    """`csv_records` over lines of text already decoded (each with its line ending, as a
    file opened with newline="" gives them)."""
    consumed: list[str] = []
    counter = [0]

    def lines() -> Iterator[str]:
        for line in fh:
            counter[0] += 1
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), strict=True)
    start = 1
    while True:
        error = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader drops the rest of the line it failed on and starts the next
            # record on the next line: the record is the lines it consumed.
            error = _malformed(exc, start, counter[0])
            fields = None
        raw = _strip_eol("".join(consumed))
        consumed.clear()
        if error is None and '"' in raw and not _RFC4180.fullmatch(raw):
            error = RowError(
                RowReason.MALFORMED_CSV,
                "breaks RFC 4180 quoting: a quote inside an unquoted field",
            )
        if error is not None:
            fields = _lenient(raw)
        yield start, raw, fields, _needs_escape(raw), error
        start = counter[0] + 1
