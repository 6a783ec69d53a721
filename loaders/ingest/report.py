"""What a load did, per file and per feed: the data behind `gwh load`'s summary and --json."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

#: Outcome of one file in one run. `already_loaded` means the same content at the same path
#: was finished by an earlier run, so nothing was written this time.
STATUSES = ("loaded", "quarantined", "refused", "duplicate", "missing", "failed", "already_loaded")


@dataclass
class FileOutcome:
    feed: str
    kind: str
    path: str
    status: str
    file_id: int | None = None
    rows_delivered: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0
    excluded_reason: str | None = None
    row_reasons: dict[str, int] = field(default_factory=dict)
    file_reason: str | None = None
    message: str | None = None
    seconds: float = 0.0


@dataclass
class FeedSummary:
    feed: str
    files: int = 0
    files_loaded: int = 0
    files_quarantined: int = 0
    files_refused: int = 0
    files_duplicate: int = 0
    files_already_loaded: int = 0
    files_missing: int = 0
    files_failed: int = 0
    rows_delivered: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0
    row_reasons: Counter = field(default_factory=Counter)
    file_reasons: Counter = field(default_factory=Counter)


@dataclass
class LoadReport:
    """Every file outcome of one run, plus warnings (folders skipped, files missing...)."""

    files: list[FileOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    incomplete_deliveries: int = 0  # folders without _SUCCESS, left for a later run
    deliveries_complete: int = 0  # finished by an earlier run: not opened again

    def add(self, outcome: FileOutcome) -> None:
        self.files.append(outcome)

    def extend(self, other: LoadReport) -> None:
        self.files.extend(other.files)
        self.warnings.extend(other.warnings)
        self.incomplete_deliveries += other.incomplete_deliveries
        self.deliveries_complete += other.deliveries_complete

    @property
    def failed(self) -> list[FileOutcome]:
        """Files whose outcome could not be recorded as loaded/quarantined (exit non-zero)."""
        return [f for f in self.files if f.status == "failed"]

    @property
    def nothing_loaded(self) -> bool:
        return all(f.status in ("already_loaded",) for f in self.files)

    def by_feed(self) -> dict[str, FeedSummary]:
        out: dict[str, FeedSummary] = {}
        for f in self.files:
            s = out.setdefault(f.feed, FeedSummary(f.feed))
            s.files += 1
            attr = f"files_{f.status}"
            setattr(s, attr, getattr(s, attr) + 1)
            s.rows_delivered += f.rows_delivered
            s.rows_loaded += f.rows_loaded
            s.rows_quarantined += f.rows_quarantined
            s.rows_excluded += f.rows_excluded
            s.row_reasons.update(f.row_reasons)
            if f.file_reason:
                s.file_reasons[f.file_reason] += 1
        return out

    def to_dict(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "feeds": {
                k: {
                    **asdict(v),
                    "row_reasons": dict(v.row_reasons),
                    "file_reasons": dict(v.file_reasons),
                }
                for k, v in self.by_feed().items()
            },
            "warnings": self.warnings,
            "incomplete_deliveries": self.incomplete_deliveries,
            "deliveries_complete": self.deliveries_complete,
            "nothing_loaded": self.nothing_loaded,
        }
