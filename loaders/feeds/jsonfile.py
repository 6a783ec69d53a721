"""Reading a delivered JSON document with the same whole-file rules as the text feeds."""

from __future__ import annotations

import json
from pathlib import Path

from domain.reasons import FileReason
from loaders.ingest.errors import FileError


def read_json(path: Path) -> object:
    """The parsed document; NOT_UTF8 / BAD_FORMAT as a FileError (BOM tolerated)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(
            FileReason.NOT_UTF8, f"{path.name}: not UTF-8 (byte offset {exc.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(
            FileReason.BAD_FORMAT, f"{path.name}: not JSON (line {exc.lineno}: {exc.msg})"
        ) from None


def compact(obj: object) -> str:
    """One element as a single line, for quarantine.rows.raw_line."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
