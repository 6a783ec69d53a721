"""The load ledger and the one-transaction-per-file protocol every feed loader goes through.

`process_file` is the single entry point (also used by loaders.genomes for VCF summaries):

1. refuse unsafe paths (absolute, `..`, symlink leaving the landing area): ledger status
   `refused` + a quarantine.files row, the file is never opened;
2. hash the file (SHA-256) and, in ONE transaction holding an advisory lock on that hash,
   skip it when the same content was already loaded or quarantined (same path: nothing is
   written, `already_loaded`; another path: a `duplicate` ledger row pointing at the first);
3. otherwise insert the ledger row, run the feed's handler (which COPYs raw rows and
   collects quarantined rows), write the quarantine rows, check
   rows_delivered = rows_loaded + rows_quarantined + rows_excluded and commit: the ledger row
   and the data become visible together, so a killed load leaves nothing and the next run
   loads the file again from scratch. A FileError rolls back to a savepoint (discarding any
   rows already COPYed) and quarantines the file whole.

The advisory lock plus the partial unique index ledger.files(sha256) make two concurrent
loaders safe: the second waits, then finds the content done.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import psycopg
from psycopg.copy import QueuedLibpqWriter

from domain.reasons import FileReason, RowReason
from loaders.ingest.discovery import Delivery, unsafe_reason
from loaders.ingest.errors import FileError
from loaders.ingest.report import FileOutcome

log = logging.getLogger(__name__)

#: What a ledger row's file name becomes when the file belonged to a withdrawn participant
#: (their QC JSON and single-sample VCFs carry their platekey in the name): the row stays as
#: the record of a delivery, the name goes. SQL, applied to ledger.files.path.
WITHDRAWN_PATH_SQL = (
    "regexp_replace(path, '[^/]*$', '[withdrawn participant file ' || file_id || ']')"
)
_WITHDRAWN_NAME = re.compile(r"\[withdrawn participant file \d+\]")


def is_withdrawn_placeholder(path: str, folder: str) -> bool:
    """Whether `path` is a withdrawn participant's file of delivery `folder`, renamed."""
    head, _, name = path.rpartition("/")
    return head == folder and _WITHDRAWN_NAME.fullmatch(name) is not None


NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_BLOCK_ROWS = 5000
PROGRESS_EVERY = 20000

_NHS_LIKE = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
_IDENTIFIERS = re.compile(_NHS_LIKE.pattern + r"|\d{4}-\d{2}-\d{2}")


def redact_numbers(text: str) -> str:
    """Remove anything shaped like an NHS number (10 digits, 3-3-4 spacing allowed).

    Applied to every quarantine message and file-level error as a safety net: validators
    never echo identifying columns, but a shifted or mistyped field could carry one.
    """
    return _NHS_LIKE.sub("[redacted]", text)


def redact(text: str) -> str:
    """Remove anything that could be an NHS number or a date from a free error text.

    Used on unexpected exception messages (which we do not control) before they reach the
    ledger or a log line.
    """
    return _IDENTIFIERS.sub("[redacted]", text)


def copy_text(value: str | None) -> str:
    """One value in PostgreSQL COPY text format (used for quarantine rows)."""
    if value is None:
        return NULL
    return value.translate(_ESCAPES)


def csv_field(value: str | None) -> str:
    """One value in the raw COPY stream (CSV, delimiter '|'): empty/None is NULL."""
    if not value:
        return ""
    if "|" in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@dataclass
class FileContext:
    """What a feed handler sees while its file is being loaded (inside the transaction)."""

    conn: psycopg.Connection
    file_id: int
    path: Path
    rel_path: str
    kind: str
    delivery: Delivery
    on_progress: Callable[[int], None] | None = None
    delivered: int = 0
    loaded: int = 0
    excluded: int = 0
    excluded_reasons: Counter = field(default_factory=Counter)
    _quarantine: list[tuple[int, str, str, str]] = field(default_factory=list)
    _reported: int = 0  # rows loaded at the last progress report

    def count_loaded(self, rows: int) -> None:
        """Count rows put into the COPY stream as loaded, reporting progress every
        PROGRESS_EVERY rows (whichever writer, CSV or binary, sent them)."""
        self.loaded += rows
        if self.on_progress is not None and self.loaded - self._reported >= PROGRESS_EVERY:
            self._reported = self.loaded
            self.on_progress(self.delivered)

    @property
    def quarantined(self) -> int:
        return len(self._quarantine)

    def quarantine(self, line: int, reason: RowReason, message: str, raw: str) -> None:
        """Send one record to quarantine.rows (written when the handler returns)."""
        if reason == RowReason.WITHDRAWN_PARTICIPANT:
            raw = ""  # a withdrawn participant's line is counted, never kept
        self._quarantine.append(
            (line, str(reason), redact_numbers(message), raw.replace("\x00", "\\x00"))
        )

    def exclude(self, reason: str) -> None:
        """Count a valid record that is deliberately loaded nowhere (see RowExcluded)."""
        self.excluded += 1
        self.excluded_reasons[reason] += 1

    def row_reasons(self) -> dict[str, int]:
        return dict(Counter(r for _, r, _, _ in self._quarantine))

    def reset(self) -> None:
        """Forget every count (the file is being quarantined whole)."""
        self.delivered = self.loaded = self.excluded = self._reported = 0
        self.excluded_reasons.clear()
        self._quarantine.clear()

    @contextmanager
    def _copy_in(self, table: str, columns: Sequence[str], options: str) -> Iterator[psycopg.Copy]:
        """COPY ... FROM STDIN into `table` with ledger_file_id, source_line, delivery_date
        first, sent by a thread of its own (Python prepares the next block meanwhile)."""
        cols = ", ".join(("ledger_file_id", "source_line", "delivery_date", *columns))
        with (
            self.conn.cursor() as cur,
            cur.copy(
                f"copy {table} ({cols}) from stdin ({options})", writer=QueuedLibpqWriter(cur)
            ) as cp,
        ):
            yield cp

    @contextmanager
    def writer(self, table: str, columns: Sequence[str]) -> Iterator[CopyWriter]:
        """A CSV COPY into raw.`table`; ledger_file_id, source_line, delivery_date are added."""
        with self._copy_in(table, columns, "format csv, delimiter '|'") as cp:
            w = CopyWriter(cp, self)
            yield w
            w.flush()

    def column_types(self, table: str, columns: Sequence[str]) -> list[str]:
        """PostgreSQL type names (format_type) of `columns` of `table`; '?' where absent."""
        rows = self.conn.execute(
            "select attname, format_type(atttypid, null) from pg_attribute "
            "where attrelid = %s::regclass and attnum > 0 and not attisdropped",
            (table,),
        ).fetchall()
        types = dict(rows)
        return [types.get(c, "?") for c in columns]

    @contextmanager
    def binary_writer(self, table: str, columns: Sequence[str]) -> Iterator[BinaryCopy]:
        """A binary COPY into `table`, fed whole blocks of tuples by the block path
        (loaders.ingest.blocks)."""
        with self._copy_in(table, columns, "format binary") as cp:
            w = BinaryCopy(cp, self)
            yield w
            w.close()

    def flush_quarantine(self) -> None:
        if not self._quarantine:
            return
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "copy quarantine.rows (ledger_file_id, line_number, reason, message, raw_line) "
                "from stdin"
            ) as cp,
        ):
            fid = str(self.file_id)
            buf = []
            for line, reason, message, raw in self._quarantine:
                buf.append(f"{fid}\t{line}\t{reason}\t{copy_text(message)}\t{copy_text(raw)}\n")
                if len(buf) >= COPY_BLOCK_ROWS:
                    cp.write("".join(buf))
                    buf.clear()
            if buf:
                cp.write("".join(buf))


class CopyWriter:
    """Formats rows for COPY and sends them in blocks (so the server parses one block while
    Python validates the next).

    The stream is CSV with `|` as delimiter: an empty field is NULL, so HES lines (already
    `|`-separated, never quoted) pass through after one join, without per-value escaping.
    Values are strings, '' meaning NULL.
    """

    __slots__ = ("_copy", "_ctx", "buffer", "prefix", "suffix")

    def __init__(self, copy: psycopg.Copy, ctx: FileContext) -> None:
        self._copy = copy
        self._ctx = ctx
        #: Pending lines; the table loader appends f"{prefix}{line}{suffix}{body}\n"
        #: directly on its hot path (then calls flush when the block is full).
        self.buffer: list[str] = []
        self.prefix = f"{ctx.file_id}|"
        self.suffix = f"|{ctx.delivery.delivery_date.isoformat()}|"

    def write(self, values: Sequence[str | None], line: int, escape: bool = False) -> None:
        """Queue one row. `escape` must be True when a value may hold | " CR or LF (and
        whenever a value may be None)."""
        if escape:
            body = "|".join([csv_field(v) for v in values])
        else:
            body = "|".join(values)
        self.buffer.append(f"{self.prefix}{line}{self.suffix}{body}\n")
        if len(self.buffer) >= COPY_BLOCK_ROWS:
            self.flush()

    def replay(self, chunks: Iterator[str]) -> None:
        """Send COPY text already counted as loaded (see Deferred)."""
        for chunk in chunks:
            self._copy.write(chunk)

    def flush(self) -> None:
        """Send the pending block; rows count as loaded once they are in the COPY stream."""
        if self.buffer:
            self._copy.write("".join(self.buffer))
            self._ctx.count_loaded(len(self.buffer))
            self.buffer.clear()


#: The binary COPY header (signature, flags, header extension length) and trailer.
BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
BINARY_TRAILER = b"\xff\xff"


class BinaryCopy:
    """Sends blocks of binary COPY tuples, with the format's signature and trailer."""

    __slots__ = ("_copy", "_ctx", "_started")

    def __init__(self, copy: psycopg.Copy, ctx: FileContext) -> None:
        self._copy, self._ctx = copy, ctx
        self._started = False

    def write_block(self, data, rows: int) -> None:
        """Send `rows` tuples (bytes-like); they count as loaded once in the stream."""
        if not rows:
            return
        if not self._started:
            self._copy.write(BINARY_SIGNATURE)
            self._started = True
        self._copy.write(memoryview(data))
        self._ctx.count_loaded(rows)

    def close(self) -> None:
        # Nothing sent: psycopg sends an empty stream (signature and trailer) itself.
        if self._started:
            self._copy.write(BINARY_TRAILER)


class Deferred:
    """A stand-in COPY that keeps what is written, to be replayed into a real one later
    (the record path's CSV rows, while the block path's binary COPY is open). Held in
    memory up to 32 MB, then in a temporary file: a file of mostly odd records must not
    cost its size in memory."""

    def __init__(self) -> None:
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by chunks()
            max_size=32 << 20, mode="w+", encoding="utf-8", newline=""
        )
        self.written = False

    def write(self, data: str) -> None:
        self._spool.write(data)
        self.written = True

    def chunks(self, size: int = 1 << 20) -> Iterator[str]:
        """What was written, in pieces; closes the spool."""
        with self._spool as spool:
            spool.seek(0)
            while piece := spool.read(size):
                yield piece


Handler = Callable[[FileContext], None]


def name_unsafe_reason(name: str) -> str | None:
    """Why a delivered file name (possibly taken from a manifest) is not a plain name."""
    if not name or name in (".", ".."):
        return "empty file name"
    if name.startswith(("/", "\\")) or os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        return "absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "path contains '..'"
    if "/" in name or "\\" in name:
        return "not a plain file name inside its delivery folder"
    return None


def _ensure_delivery(conn: psycopg.Connection, d: Delivery) -> int:
    row = conn.execute(
        "insert into ledger.deliveries (feed, path, delivery_date, gmc_code) "
        "values (%s, %s, %s, %s) on conflict (path) do nothing returning delivery_id",
        (d.feed, d.rel_path, d.delivery_date, d.gmc_code),
    ).fetchone()
    if row:
        return row[0]
    return conn.execute(
        "select delivery_id from ledger.deliveries where path = %s", (d.rel_path,)
    ).fetchone()[0]


def mark_delivery_complete(conn: psycopg.Connection, d: Delivery) -> None:
    """Record that every file of a complete delivery has its final ledger row: later runs
    skip the folder without reading (hashing) its files again. Deliveries are immutable
    once `_SUCCESS` is written (feeds.md), so this holds until a withdrawal rewrites one of
    its files, which the ledger records on its own (ledger.file_contents)."""
    did = _ensure_delivery(conn, d)
    conn.execute(
        "update ledger.deliveries set completed_at = clock_timestamp() "
        "where delivery_id = %s and completed_at is null",
        (did,),
    )


def completed_deliveries(conn: psycopg.Connection) -> set[str]:
    """Paths of the deliveries every file of which was finished by an earlier run."""
    return {
        p
        for (p,) in conn.execute(
            "select path from ledger.deliveries where completed_at is not null"
        )
    }


def _record_unread(
    conn: psycopg.Connection,
    delivery: Delivery,
    rel: str,
    kind: str,
    status: str,
    reason: FileReason | None,
    message: str,
) -> FileOutcome:
    """Ledger row for a file that is never read (refused path, listed but missing)."""
    out = FileOutcome(
        delivery.feed, kind, rel, status, file_reason=reason and str(reason), message=message
    )
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 7))", (rel,))
        prior = conn.execute(
            "select file_id from ledger.files where path = %s and status = %s", (rel, status)
        ).fetchone()
        if prior:
            out.status, out.file_id = "already_loaded", prior[0]
            return out
        did = _ensure_delivery(conn, delivery)
        fid = conn.execute(
            "insert into ledger.files (delivery_id, feed, kind, path, status, finished_at, "
            "error) values (%s, %s, %s, %s, %s, clock_timestamp(), %s) returning file_id",
            (did, delivery.feed, kind, rel, status, message),
        ).fetchone()[0]
        if reason is not None:
            conn.execute(
                "insert into quarantine.files (ledger_file_id, reason, message) "
                "values (%s, %s, %s)",
                (fid, str(reason), message),
            )
        out.file_id = fid
    log.warning("%s: %s (%s)", rel, status, message)
    return out


def loaded_contents(conn: psycopg.Connection, sha: str) -> list[tuple[int, str, int]]:
    """The loaded (or quarantined) files that have had this content, oldest first: (file id,
    path, rows delivered). A file's content is its delivered bytes or any rewrite of them
    (ledger.file_contents), so a withdrawal's rewrite does not make the original new again."""
    return conn.execute(
        """
        select f.file_id, f.path, f.rows_delivered
        from ledger.files as f
        where f.sha256 = %(sha)s and f.status in ('loaded', 'quarantined')
        union
        select f.file_id, f.path, f.rows_delivered
        from ledger.file_contents as c
        inner join ledger.files as f on f.file_id = c.file_id
        where c.sha256 = %(sha)s and f.status in ('loaded', 'quarantined')
        order by 1
        """,
        {"sha": sha},
    ).fetchall()


def record_content(conn: psycopg.Connection, file_id: int, sha: str, size: int, cause: str) -> None:
    """Remember another content of a loaded file (a withdrawal rewrote it on the landing
    area), so a later run sees the rewritten file as loaded and the original stays loaded."""
    conn.execute(
        "insert into ledger.file_contents (file_id, sha256, size_bytes, cause) "
        "values (%s, %s, %s, %s) on conflict do nothing",
        (file_id, sha, size, cause),
    )


def process_file(
    conn: psycopg.Connection,
    landing: Path,
    delivery: Delivery,
    name: str,
    kind: str,
    handler: Handler,
    *,
    expected_sha256: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FileOutcome:
    """Load one delivered file exactly once (see the module docstring).

    `conn` must be in autocommit mode (each file gets its own transaction here). `name` is
    the file name inside the delivery folder as delivered (a manifest may supply it, so it
    is checked for safety). `expected_sha256` (from a manifest) quarantines the file whole
    with CHECKSUM_MISMATCH when the content differs. Returns the outcome; raises only when
    the outcome could not be recorded at all (database unreachable...).
    """
    root = landing.resolve()
    rel = f"{delivery.rel_path}/{name}"
    t0 = time.monotonic()
    why = name_unsafe_reason(name) or unsafe_reason(root, rel)
    if why:
        return _record_unread(
            conn,
            delivery,
            rel,
            kind,
            "refused",
            FileReason.UNSAFE_PATH,
            f"{name!r}: {why}; not read",
        )
    path = root / rel
    if not path.is_file():
        return _record_unread(
            conn,
            delivery,
            rel,
            kind,
            "missing",
            None,
            f"{name}: expected in the delivery but not present",
        )
    sha, size = sha256_file(path)
    out = FileOutcome(delivery.feed, kind, rel, "loaded")
    try:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (sha,))
            known = loaded_contents(conn, sha)
            if known:
                mine = next(
                    (
                        (fid, fpath)
                        for fid, fpath, _rows in known
                        # this very file (also after a withdrawal rewrote it), or the same
                        # content in the same delivery refused earlier as a withdrawn
                        # participant's file (its name is gone from the ledger)
                        if fpath == rel or is_withdrawn_placeholder(fpath, delivery.rel_path)
                    ),
                    None,
                )
                if mine is None:
                    dup = conn.execute(
                        "select file_id from ledger.files where sha256 = %s and path = %s "
                        "and status = 'duplicate'",
                        (sha, rel),
                    ).fetchone()
                    mine = (dup[0], rel) if dup else None
                if mine is not None:
                    out.status, out.file_id = "already_loaded", mine[0]
                    return out
                first_id, first_path, first_rows = known[0]
                did = _ensure_delivery(conn, delivery)
                # The same content delivered again (a retry, another GMC's identical file):
                # this delivery's file has its own row, marked identical to the first; its
                # rows are counted as delivered here and loaded once, there.
                out.status = "duplicate"
                out.rows_delivered = out.rows_excluded = first_rows
                out.excluded_reason = "identical_content" if first_rows else None
                out.message = (
                    f"identical to {first_path} (file {first_id}); its rows are loaded once, there"
                )
                out.file_id = conn.execute(
                    "insert into ledger.files (delivery_id, feed, kind, path, sha256, "
                    "size_bytes, status, duplicate_of, rows_delivered, rows_excluded, "
                    "excluded_reason, finished_at, error) values "
                    "(%s, %s, %s, %s, %s, %s, 'duplicate', %s, %s, %s, %s, "
                    "clock_timestamp(), %s) returning file_id",
                    (
                        did,
                        delivery.feed,
                        kind,
                        rel,
                        sha,
                        size,
                        first_id,
                        first_rows,
                        first_rows,
                        out.excluded_reason,
                        out.message,
                    ),
                ).fetchone()[0]
                return out
            did = _ensure_delivery(conn, delivery)
            fid = conn.execute(
                "insert into ledger.files (delivery_id, feed, kind, path, sha256, size_bytes, "
                "status) values (%s, %s, %s, %s, %s, %s, 'loaded') returning file_id",
                (did, delivery.feed, kind, rel, sha, size),
            ).fetchone()[0]
            ctx = FileContext(conn, fid, path, rel, kind, delivery, on_progress)
            out.file_id = fid
            try:
                with conn.transaction():  # savepoint: a FileError discards partial rows
                    if expected_sha256 is not None and sha != expected_sha256.lower():
                        raise FileError(
                            FileReason.CHECKSUM_MISMATCH,
                            f"{name}: SHA-256 differs from the manifest",
                        )
                    handler(ctx)
                    ctx.flush_quarantine()
            except FileError as exc:
                exc.message = redact_numbers(exc.message)
                ctx.reset()
                out.status, out.file_reason, out.message = (
                    "quarantined",
                    str(exc.reason),
                    exc.message,
                )
                conn.execute(
                    "insert into quarantine.files (ledger_file_id, reason, message) "
                    "values (%s, %s, %s)",
                    (fid, str(exc.reason), exc.message),
                )
            if ctx.delivered != ctx.loaded + ctx.quarantined + ctx.excluded:
                raise AssertionError(
                    f"{rel}: reconciliation broken: delivered {ctx.delivered} != loaded "
                    f"{ctx.loaded} + quarantined {ctx.quarantined} + excluded {ctx.excluded}"
                )
            out.rows_delivered, out.rows_loaded = ctx.delivered, ctx.loaded
            out.rows_quarantined, out.rows_excluded = ctx.quarantined, ctx.excluded
            out.row_reasons = ctx.row_reasons()
            out.excluded_reason = ", ".join(sorted(ctx.excluded_reasons)) or None
            conn.execute(
                "update ledger.files set status = %s, rows_delivered = %s, rows_loaded = %s, "
                "rows_quarantined = %s, rows_excluded = %s, excluded_reason = %s, "
                "finished_at = clock_timestamp(), error = %s where file_id = %s",
                (
                    out.status,
                    out.rows_delivered,
                    out.rows_loaded,
                    out.rows_quarantined,
                    out.rows_excluded,
                    out.excluded_reason,
                    out.message,
                    fid,
                ),
            )
    except (psycopg.OperationalError, psycopg.InterfaceError):
        raise  # the database is gone: nothing can be recorded, let the caller fail loudly
    except Exception as exc:  # noqa: BLE001 - any other bug/DB error: record and go on
        message = redact(f"{type(exc).__name__}: {exc}")[:2000]
        log.error("%s: load failed: %s", rel, message)
        out = FileOutcome(delivery.feed, kind, rel, "failed", message=message)
        with conn.transaction():
            did = _ensure_delivery(conn, delivery)
            out.file_id = conn.execute(
                "insert into ledger.files (delivery_id, feed, kind, path, sha256, size_bytes, "
                "status, finished_at, error) values (%s, %s, %s, %s, %s, %s, 'failed', "
                "clock_timestamp(), %s) returning file_id",
                (did, delivery.feed, kind, rel, sha, size, message),
            ).fetchone()[0]
    out.seconds = time.monotonic() - t0
    return out
