"""One load run over a landing area: `load_landing` (the API the DAGs call) and `Run`.

Each feed module in loaders.feeds exposes `load_delivery(run, delivery)`; the run discovers
complete deliveries in feed order, hands each to its module, and collects the outcomes.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from domain.reasons import FileReason
from loaders.ingest.discovery import SUCCESS, Delivery, discover
from loaders.ingest.errors import FileError
from loaders.ingest.ledger import (
    FileContext,
    Handler,
    completed_deliveries,
    mark_delivery_complete,
    process_file,
)
from loaders.ingest.report import FileOutcome, LoadReport
from loaders.pseudonymise import Pseudonymiser, resolve_key

log = logging.getLogger(__name__)


class SchemaMissing(RuntimeError):
    """The warehouse has no ledger tables yet (`gwh db init` was not run)."""


@dataclass
class Run:
    """State shared by every file of one run: connection, key, report, progress display."""

    conn: psycopg.Connection
    landing: Path
    pseudonymiser: Pseudonymiser
    report: LoadReport = field(default_factory=LoadReport)
    progress: object | None = None  # a rich.progress.Progress, when showing one
    _cache: dict = field(default_factory=dict)

    def process(
        self,
        delivery: Delivery,
        name: str,
        kind: str,
        handler: Handler,
        *,
        expected_sha256: str | None = None,
    ) -> FileOutcome:
        """Load one file of `delivery` through the ledger; the outcome joins the report."""
        rel = f"{delivery.rel_path}/{name}"
        task = None
        on_progress: Callable[[int], None]
        if self.progress is not None:
            task = self.progress.add_task(rel, total=None)

            def on_progress(n: int) -> None:
                self.progress.update(task, completed=n)
        else:

            def on_progress(n: int) -> None:
                log.info("%s: %d rows read", rel, n)

        try:
            outcome = process_file(
                self.conn,
                self.landing,
                delivery,
                name,
                kind,
                handler,
                expected_sha256=expected_sha256,
                on_progress=on_progress,
            )
        finally:
            if task is not None:
                self.progress.remove_task(task)
        self.report.add(outcome)
        if outcome.status not in ("already_loaded",):
            log.info(
                "%s: %s (delivered %d, loaded %d, quarantined %d, excluded %d)",
                rel,
                outcome.status,
                outcome.rows_delivered,
                outcome.rows_loaded,
                outcome.rows_quarantined,
                outcome.rows_excluded,
            )
        return outcome

    def reject(
        self, delivery: Delivery, name: str, kind: str, reason: FileReason, message: str
    ) -> FileOutcome:
        """Quarantine a whole file without parsing it (unexpected or unlisted files)."""

        def handler(ctx: FileContext) -> None:
            raise FileError(reason, message)

        return self.process(delivery, name, kind, handler)

    def load_fixed(self, delivery: Delivery, files: Iterable[tuple[str, str, Handler]]) -> None:
        """Load a delivery whose file names feeds.md fixes; anything else in the folder is
        quarantined whole (BAD_FORMAT), a missing file is reported as a warning."""
        files = list(files)
        expected = {name for name, _, _ in files}
        for name, kind, handler in files:
            if (delivery.abs_path / name).exists() or (delivery.abs_path / name).is_symlink():
                self.process(delivery, name, kind, handler)
            else:
                self.report.warnings.append(f"{delivery.rel_path}: {name} not delivered")
        for p in sorted(delivery.abs_path.iterdir()):
            if p.name == SUCCESS or p.name in expected:
                continue
            self.reject(
                delivery,
                p.name,
                "unexpected",
                FileReason.BAD_FORMAT,
                f"{p.name}: not a file of the {delivery.feed} feed (feeds.md)",
            )

    def cached(self, key: object, make: Callable[[], object]) -> object:
        """Per-run memo for lookups several files of a run share (e.g. withdrawn ids)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def _check_schema(conn: psycopg.Connection) -> None:
    ok = conn.execute("select to_regclass('ledger.files') is not null").fetchone()[0]
    if not ok:
        raise SchemaMissing("the warehouse has no ledger tables: run `gwh db init` first")


def load_landing(
    landing: Path,
    url: str,
    feeds: list[str] | None = None,
    key: bytes | str | None = None,
    *,
    demo_key: bool = False,
    progress: object | None = None,
    due: Callable[[Delivery], bool] | None = None,
) -> LoadReport:
    """Load every pending complete delivery under `landing` into the warehouse at `url`.

    `feeds` limits the run (None: all, in FEED_ORDER); `due` limits it to the deliveries it
    accepts (the nightly DAG: those due by its night, see orchestration.tasks). The
    pseudonymisation key comes from `key`, else the environment/Airflow
    (loaders.pseudonymise.resolve_key); `demo_key=True` uses the published demo key. Raises
    PseudonymKeyMissing before touching anything when no key is found. Safe to call
    concurrently and repeatedly: finished files are skipped, and a delivery every file of
    which is finished is not opened again (ledger.deliveries.completed_at).
    """
    pseudonymiser = Pseudonymiser(resolve_key(key, demo=demo_key))
    landing = Path(landing)
    if not landing.is_dir():
        raise FileNotFoundError(f"landing area {landing} is not a directory")
    deliveries, warnings = discover(landing, feeds)
    report = LoadReport(warnings=list(warnings))
    with psycopg.connect(url, autocommit=True) as conn:
        _check_schema(conn)
        run = Run(conn, landing.resolve(), pseudonymiser, report, progress)
        completed = completed_deliveries(conn)
        for d in deliveries:
            if due is not None and not due(d):
                continue
            if not d.complete:
                report.incomplete_deliveries += 1
                log.info("%s: no %s yet; left for a later run", d.rel_path, SUCCESS)
                continue
            if d.rel_path in completed:
                # finished by an earlier run: not read again, so a night costs what it
                # delivers rather than the whole landing area
                report.deliveries_complete += 1
                continue
            first = len(report.files)
            module = importlib.import_module(f"loaders.feeds.{d.feed}")
            module.load_delivery(run, d)
            if not any(f.status == "failed" for f in report.files[first:]):
                mark_delivery_complete(conn, d)
    return report
