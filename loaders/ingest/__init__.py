"""The shared ingest core: discovery, ledger, parsing, validation primitives, COPY, quarantine.

Feed modules (loaders.feeds.*) and the variant summariser (variants) load every file
through `process_file`, which gives exactly-once loading, one transaction per file, row
reconciliation and quarantine. Typical use from another loader::

    from loaders.ingest import Run, FileError, RowError

    def handler(ctx):                       # called inside the file's transaction
        with ctx.writer("raw.my_table", ["a", "b"]) as w:
            ctx.delivered += 1
            w.write(["x", None], line=1)    # COPY text; ledger id/line/date added
        # bad record: ctx.delivered += 1; ctx.quarantine(line, RowReason..., msg, raw)
        # whole file unusable: raise FileError(FileReason..., msg)

    outcome = run.process(delivery, "file.vcf.gz", "vcf", handler, expected_sha256=sha)
"""

from loaders.ingest.discovery import (
    FEED_ORDER,
    SUCCESS,
    Delivery,
    delivered_file,
    discover,
    unsafe_reason,
)
from loaders.ingest.errors import FileError, RowError, RowExcluded
from loaders.ingest.ledger import (
    CopyWriter,
    FileContext,
    copy_text,
    name_unsafe_reason,
    process_file,
    redact,
    sha256_file,
)
from loaders.ingest.report import FeedSummary, FileOutcome, LoadReport
from loaders.ingest.runner import Run, load_landing
from loaders.ingest.table import Col, DateOrder, TableSpec, load_delimited

__all__ = [
    "FEED_ORDER",
    "SUCCESS",
    "Col",
    "CopyWriter",
    "DateOrder",
    "Delivery",
    "FeedSummary",
    "FileContext",
    "FileError",
    "FileOutcome",
    "LoadReport",
    "RowError",
    "RowExcluded",
    "Run",
    "TableSpec",
    "copy_text",
    "delivered_file",
    "discover",
    "load_delimited",
    "load_landing",
    "name_unsafe_reason",
    "process_file",
    "redact",
    "sha256_file",
    "unsafe_reason",
]
