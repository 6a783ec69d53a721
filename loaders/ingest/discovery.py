"""Finding complete deliveries in a landing area, and refusing paths that leave it.

A delivery folder is read only once its `_SUCCESS` marker exists (feeds.md: it is written
last); folders without it are counted and left for a later run.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from loaders.ingest.validation import GMC_CODES

SUCCESS = "_SUCCESS"

#: Feeds in the order a run loads them: withdrawals first so that re-delivered referrals of
#: withdrawn participants are caught in the same run; panels before results that cite them.
FEED_ORDER: tuple[str, ...] = (
    "withdrawals",
    "panelapp",
    "referrals",
    "results",
    "sequencing",
    "hes",
    "mortality",
)

#: Folder depth under landing/<feed>/ and whether the first level is a GMC code.
_LAYOUT: dict[str, tuple[bool, str]] = {
    "referrals": (True, "day"),
    "results": (True, "day"),
    "sequencing": (False, "day"),
    "hes": (False, "month"),
    "mortality": (False, "month"),
    "panelapp": (False, "day"),
    "withdrawals": (False, "day"),
}


@dataclass(frozen=True)
class Delivery:
    """One delivery folder: `rel_path` is relative to the landing root, POSIX style."""

    feed: str
    rel_path: str
    abs_path: Path
    delivery_date: date
    gmc_code: str | None
    complete: bool

    def file_rel(self, name: str) -> str:
        return f"{self.rel_path}/{name}"


def _folder_date(name: str, grain: str) -> date | None:
    """The delivery date from a folder name; for monthly feeds the month's last day (a
    year-to-date extract may hold events up to the end of its month)."""
    try:
        if grain == "day":
            if len(name) != 10:
                return None
            return date.fromisoformat(name)
        if len(name) != 7 or name[4] != "-":
            return None
        y, m = int(name[:4]), int(name[5:])
        return date(y, m, calendar.monthrange(y, m)[1])
    except ValueError:
        return None


def unsafe_reason(root: Path, rel: str) -> str | None:
    """Why `rel` (relative to the resolved landing `root`) may not be read, or None.

    Refused: absolute paths, any `..` component, and anything whose real path (after
    following symlinks) is outside the landing area.
    """
    if not rel or rel.startswith(("/", "\\")) or os.path.isabs(rel):
        return "absolute path"
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        return "path contains '..'"
    try:
        real = (root / rel).resolve()
    except (OSError, RuntimeError):
        return "path cannot be resolved (symlink loop?)"
    if real != root and root not in real.parents:
        return "symlink leaves the landing area"
    return None


def delivered_file(root: Path, delivery: Delivery, name: str) -> Path | None:
    """The path of file `name` of `delivery` for a feed module to read beside the ledgered
    load (e.g. a manifest's rows for the decisions per listed file), or None when it may not
    be read: a name that is not a plain file name, a path leaving the landing area (`root`,
    resolved), or not a regular file. Every read of the landing area goes through here or
    through the ledger (`process_file`), so nothing outside the landing area is opened."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None
    if unsafe_reason(root, delivery.file_rel(name)):
        return None
    path = root / delivery.rel_path / name
    return path if path.is_file() else None


def discover(landing: Path, feeds: list[str] | None = None) -> tuple[list[Delivery], list[str]]:
    """Every delivery folder of the requested feeds, in load order, plus warnings.

    Incomplete folders are returned with complete=False (the caller counts and skips them);
    folders whose names do not follow feeds.md are reported as warnings and not read.
    """
    root = landing.resolve()
    wanted = [f for f in FEED_ORDER if feeds is None or f in feeds]
    unknown = [f for f in (feeds or []) if f not in FEED_ORDER]
    warnings = [f"unknown feed {f!r} (known: {', '.join(FEED_ORDER)})" for f in unknown]
    out: list[Delivery] = []
    for feed in wanted:
        base = root / feed
        if not base.is_dir():
            continue
        by_gmc, grain = _LAYOUT[feed]
        parents: list[tuple[Path, str | None]] = []
        if by_gmc:
            for d in sorted(base.iterdir()):
                if not d.is_dir():
                    continue
                if d.name not in GMC_CODES:
                    warnings.append(f"{feed}/{d.name}: not a GMC code folder; not read")
                    continue
                parents.append((d, d.name))
        else:
            parents.append((base, None))
        for parent, gmc in parents:
            for d in sorted(parent.iterdir()):
                rel = d.relative_to(root).as_posix()
                if not d.is_dir():
                    continue
                why = unsafe_reason(root, rel)
                if why:
                    warnings.append(f"{rel}: {why}; delivery folder not read")
                    continue
                day = _folder_date(d.name, grain)
                if day is None:
                    warnings.append(f"{rel}: folder name is not a delivery date; not read")
                    continue
                out.append(Delivery(feed, rel, d, day, gmc, complete=(d / SUCCESS).is_file()))
    out.sort(key=lambda x: (FEED_ORDER.index(x.feed), x.delivery_date, x.gmc_code or ""))
    return out, warnings
