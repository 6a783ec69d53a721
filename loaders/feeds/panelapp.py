"""panelapp/<date>/panels.json (feeds.md): full snapshots of PanelApp panels and genes.

Records are panels and genes: rows_delivered counts both. source_line is the 1-based
position of the panel in the delivered list (for its genes too; panelapp_genes has no
position of its own beyond that). A panel that breaks the spec is quarantined together with
each of its genes (same reason), so reconciliation holds per record.

feeds.md: versions only grow. Each snapshot is full, so most of its panels are the versions
already loaded: a panel re-delivered at the newest loaded version with the same content is
counted and excluded (loaded once, as the first delivery of that version); one whose
version is below the newest loaded, or equal with other content, is quarantined
(`version_not_newer`) with its genes, and the snapshot's other panels load.
"""

from __future__ import annotations

import re

from domain.reasons import FileReason, RowReason
from loaders.feeds.jsonfile import compact, read_json
from loaders.ingest import Delivery, FileContext, Run
from loaders.ingest.errors import FileError, RowError
from loaders.ingest.validation import hgnc_symbols, shown

PANEL_KEYS = frozenset({"id", "name", "version", "relevant_disorders", "genes"})
GENE_KEYS = frozenset({"gene_symbol", "hgnc_id", "confidence_level", "mode_of_inheritance"})
CONFIDENCE = frozenset({"1", "2", "3"})
#: major.minor, each part within a PostgreSQL integer (versions are compared as int[]).
_VERSION = re.compile(r"\d{1,9}\.\d{1,9}")
MAX_PANEL_ID = 2**31 - 1  # raw.panelapp_panels.panel_id is an integer
#: excluded_reason of a panel (and its genes) re-delivered unchanged at its loaded version
UNCHANGED = "panel_version_already_loaded"
_HGNC_ID = re.compile(r"HGNC:\d{1,6}")


def _text(obj: dict, key: str, max_len: int = 300) -> str:
    v = obj.get(key)
    if not isinstance(v, str):
        raise RowError(RowReason.WRONG_TYPE, f"{key}: expected a string")
    if not v:
        raise RowError(RowReason.MISSING_REQUIRED, f"{key}: empty")
    if len(v) > max_len:
        raise RowError(RowReason.FIELD_TOO_LONG, f"{key}: {len(v)} characters, at most {max_len}")
    if "\x00" in v:
        raise RowError(RowReason.EMBEDDED_NUL, f"{key}: contains a NUL character")
    return v


def _keys(obj: object, expected: frozenset[str], what: str) -> dict:
    if not isinstance(obj, dict):
        raise RowError(RowReason.WRONG_TYPE, f"{what}: expected an object")
    if set(obj) != expected:
        missing = sorted(expected - set(obj))
        extra = sorted(set(obj) - expected)
        raise RowError(
            RowReason.WRONG_COLUMN_COUNT,
            f"{what}: keys differ from feeds.md (missing {missing}, unexpected {extra})",
        )
    return obj


def _panel(p: object) -> tuple[int, str, str, list[str]]:
    p = _keys(p, PANEL_KEYS, "panel")
    pid = p["id"]
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid <= MAX_PANEL_ID:
        raise RowError(RowReason.WRONG_TYPE, f"id: expected an integer in 1..{MAX_PANEL_ID}")
    name = _text(p, "name")
    version = _text(p, "version", 20)
    if not _VERSION.fullmatch(version):
        raise RowError(RowReason.INVALID_FORMAT, f"version: {shown(version)} is not major.minor")
    disorders = p["relevant_disorders"]
    if not isinstance(disorders, list) or not all(isinstance(x, str) for x in disorders):
        raise RowError(RowReason.WRONG_TYPE, "relevant_disorders: expected a list of strings")
    if any("\x00" in x for x in disorders):
        raise RowError(RowReason.EMBEDDED_NUL, "relevant_disorders: contains a NUL character")
    if not isinstance(p["genes"], list):
        raise RowError(RowReason.WRONG_TYPE, "genes: expected a list")
    return pid, name, version, disorders


def _gene(g: object, symbols: frozenset[str]) -> list[str]:
    g = _keys(g, GENE_KEYS, "gene")
    symbol = _text(g, "gene_symbol", 32)
    if symbol not in symbols:
        raise RowError(
            RowReason.UNKNOWN_CODE, f"gene_symbol: {shown(symbol)} is not an HGNC symbol"
        )
    hgnc = _text(g, "hgnc_id", 16)
    if not _HGNC_ID.fullmatch(hgnc):
        raise RowError(RowReason.INVALID_FORMAT, f"hgnc_id: {shown(hgnc)} is not HGNC:<n>")
    level = _text(g, "confidence_level", 1)
    if level not in CONFIDENCE:
        raise RowError(RowReason.UNKNOWN_CODE, f"confidence_level: {shown(level)} not 1, 2 or 3")
    moi = _text(g, "mode_of_inheritance", 200)
    return [symbol, hgnc, level, moi]


def _pg_array(items: list[str]) -> str:
    """A text[] literal (COPY escaping is applied on top by the writer)."""
    quoted = ['"' + x.replace("\\", "\\\\").replace('"', '\\"') + '"' for x in items]
    return "{" + ",".join(quoted) + "}"


def _version(v: str) -> tuple[int, int]:
    major, minor = v.split(".")
    return int(major), int(minor)


def loaded_panels(ctx: FileContext) -> dict[int, tuple[str, str, list[str], set[tuple]]]:
    """panel id -> (version, name, relevant disorders, genes) of the newest version loaded
    from other files, as its first delivery loaded it."""
    rows = ctx.conn.execute(
        """
        with newest as (
            select distinct on (panel_id) panel_id, version, name, relevant_disorders,
                   ledger_file_id
            from raw.panelapp_panels
            where ledger_file_id <> %s
            order by panel_id, string_to_array(version, '.')::int[] desc, ledger_file_id
        )
        select n.panel_id, n.version, n.name, n.relevant_disorders, g.gene_symbol, g.hgnc_id,
               g.confidence_level, g.mode_of_inheritance
        from newest as n
        left join raw.panelapp_genes as g
            on g.panel_id = n.panel_id and g.panel_version = n.version
            and g.ledger_file_id = n.ledger_file_id
        """,
        (ctx.file_id,),
    ).fetchall()
    out: dict[int, tuple[str, str, list[str], set[tuple]]] = {}
    for pid, version, name, disorders, *gene in rows:
        entry = out.setdefault(pid, (version, name, list(disorders), set()))
        if gene[0] is not None:
            entry[3].add(tuple(gene))
    return out


def _stale(
    pid: int, name: str, version: str, disorders: list[str], genes: list, loaded: dict
) -> str | None:
    """None when the panel is new or raises its version; UNCHANGED for the newest loaded
    version re-delivered as it was; else why it breaks "versions only grow"."""
    before = loaded.get(pid)
    if before is None or _version(version) > _version(before[0]):
        return None
    if version == before[0]:
        if (name, disorders, {tuple(g) for g in genes}) == (before[1], before[2], before[3]):
            return UNCHANGED
        return f"version {version} already loaded with other content; versions only grow"
    return f"version {version} is below {before[0]}, already loaded; versions only grow"


def load_panels(ctx: FileContext) -> None:
    doc = read_json(ctx.path)
    if not isinstance(doc, list):
        raise FileError(FileReason.BAD_FORMAT, f"{ctx.path.name}: expected a list of panels")
    symbols = hgnc_symbols()
    loaded = loaded_panels(ctx)
    panels: list[tuple[int, list[str | None]]] = []
    genes: list[tuple[int, list[str | None]]] = []
    seen_panels: set[int] = set()
    for line, p in enumerate(doc, start=1):
        ctx.delivered += 1
        raw_genes = p.get("genes") if isinstance(p, dict) else None
        gene_list = raw_genes if isinstance(raw_genes, list) else []
        try:
            pid, name, version, disorders = _panel(p)
            if pid in seen_panels:
                raise RowError(RowReason.DUPLICATE_KEY, f"panel id {pid} repeated in the file")
            seen_panels.add(pid)
        except RowError as exc:
            ctx.quarantine(line, exc.reason, exc.message, compact(p))
            for g in gene_list:
                ctx.delivered += 1
                ctx.quarantine(
                    line, exc.reason, f"gene of an invalid panel: {exc.message}", compact(g)
                )
            continue
        good: list[tuple[object, list[str]]] = []
        bad: list[tuple[object, RowError]] = []
        seen_genes: set[str] = set()
        for g in gene_list:
            ctx.delivered += 1
            try:
                vals = _gene(g, symbols)
                if vals[0] in seen_genes:
                    raise RowError(
                        RowReason.DUPLICATE_KEY, f"gene {vals[0]} repeated in panel {pid}"
                    )
                seen_genes.add(vals[0])
                good.append((g, vals))
            except RowError as exc:
                bad.append((g, exc))
        why = _stale(pid, name, version, disorders, [v for _, v in good], loaded)
        if why is not None and why != UNCHANGED:
            ctx.quarantine(line, RowReason.VERSION_NOT_NEWER, f"panel {pid}: {why}", compact(p))
            for g in gene_list:
                ctx.quarantine(
                    line, RowReason.VERSION_NOT_NEWER, f"gene of panel {pid}: {why}", compact(g)
                )
            continue
        for g, exc in bad:
            ctx.quarantine(line, exc.reason, exc.message, compact(g))
        if why == UNCHANGED:
            for _ in range(1 + len(good)):
                ctx.exclude(UNCHANGED)
            continue
        panels.append((line, [str(pid), name, version, _pg_array(disorders)]))
        genes.extend((line, [str(pid), version, *vals]) for _, vals in good)
    with ctx.writer(
        "raw.panelapp_panels", ["panel_id", "name", "version", "relevant_disorders"]
    ) as w:
        for line, vals in panels:
            w.write(vals, line, escape=True)
    with ctx.writer(
        "raw.panelapp_genes",
        [
            "panel_id",
            "panel_version",
            "gene_symbol",
            "hgnc_id",
            "confidence_level",
            "mode_of_inheritance",
        ],
    ) as w:
        for line, vals in genes:
            w.write(vals, line, escape=True)


def load_delivery(run: Run, delivery: Delivery) -> None:
    run.load_fixed(delivery, [("panels.json", "panels", load_panels)])
