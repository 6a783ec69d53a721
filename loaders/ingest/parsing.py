"""Readers for the delivered text formats, yielding (line number, raw text, fields).

The raw text is kept so that a bad record can be quarantined exactly as delivered; the line
number is the physical line on which the record starts (CSV records may span lines inside
quotes). A UTF-8 BOM is stripped; any other undecodable byte makes the whole file NOT_UTF8.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from domain.reasons import FileReason
from loaders.ingest.errors import FileError

#: (line number, raw record text without its line ending, fields, values may need quoting
#: in the COPY stream, which is CSV with '|' as delimiter: see ledger.CopyWriter)
Record = tuple[int, str, list[str], bool]


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
                yield lineno, raw, raw.split("|"), '"' in raw or "\r" in raw
    except UnicodeDecodeError:
        raise _not_utf8(path) from None


def csv_records(path: Path) -> Iterator[Record]:
    """Records of an RFC 4180 CSV file (comma, double-quote quoting)."""
    consumed: list[str] = []
    counter = [0]

    def lines(fh) -> Iterator[str]:
        for line in fh:
            counter[0] += 1
            consumed.append(line)
            yield line

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(lines(fh))
            start = 1
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise FileError(
                        FileReason.BAD_FORMAT,
                        f"{path.name}: CSV cannot be parsed from line {start}: {exc}",
                    ) from None
                raw = _strip_eol("".join(consumed))
                consumed.clear()
                yield start, raw, fields, _needs_escape(raw)
                start = counter[0] + 1
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
