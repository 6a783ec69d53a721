"""The generic delimited-file loader: header check, per-record validation, COPY, quarantine.

A feed describes its file once as a `TableSpec` (columns with their checks, the raw table,
a row builder for cross-field rules and derived columns, a business key); `load_delimited`
does the rest. Order of record checks (so each defect gets one, predictable reason):
embedded NUL, column count, then each column in spec order (empty/required, length, its
check), then the row builder's cross-field rules, then the duplicate key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass

from loaders.ingest.errors import FileError, RowError, RowExcluded
from loaders.ingest.ledger import COPY_BLOCK_ROWS, FileContext
from loaders.ingest.parsing import Record, csv_records, pipe_records
from loaders.ingest.withdrawn import withdrawn_no_further_use
from loaders.reasons import FileReason, RowReason

Values = list[str]


@dataclass(frozen=True)
class Col:
    """One delivered column. `check` returns the value to load or raises RowError; a
    `sensitive` column (NHS number, date of birth) is never echoed in a message."""

    name: str
    check: Callable[[str], str] | None = None
    required: bool = True
    max_len: int = 64
    sensitive: bool = False


@dataclass
class TableSpec:
    table: str  # e.g. "raw.hes_apc"
    columns: Sequence[Col]  # exactly the feeds.md header (any order in the file)
    out_columns: Sequence[str]  # raw columns filled by `row`, after the three common ones
    row: Callable[[Values], Sequence[str | None]]  # checked values (spec order) -> raw row
    key: Callable[[Values], Hashable] | None = None  # business key, unique within the file
    key_name: str = ""
    delimiter: str = ","


def _records(ctx: FileContext, spec: TableSpec) -> Iterator[Record]:
    return pipe_records(ctx.path) if spec.delimiter == "|" else csv_records(ctx.path)


def check_header(ctx: FileContext, spec: TableSpec, header: list[str]) -> list[int]:
    """Positions of the spec's columns in the delivered header; WRONG_HEADER on any
    difference in the column set (order is free, duplicates are not)."""
    expected = [c.name for c in spec.columns]
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if missing or extra or dupes:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:8])}")
        if extra:
            parts.append(f"unexpected {', '.join(repr(x[:40]) for x in extra[:8])}")
        if dupes:
            parts.append(f"repeated {', '.join(dupes[:8])}")
        raise FileError(
            FileReason.WRONG_HEADER,
            f"{ctx.path.name}: header differs from feeds.md: " + "; ".join(parts),
        )
    return [header.index(c) for c in expected]


def compile_fast(
    spec: TableSpec, positions: list[int], n: int
) -> Callable[[list[str]], list[str] | None]:
    """Generate, for this file's column layout, a function that accepts a record only when
    every column is certainly valid, and returns its values in spec order (NHS numbers
    already replaced by pseudonyms); None sends the record to the exact, slower path.

    Why generated code: the HES hot path must not pay a Python function call per field. Set
    columns become `in` tests, runs of adjacent columns sharing one code set (DIAG_4_01..20,
    OPERTN_4_01..24) become one `issuperset` over a slice, dates and NHS numbers are looked
    up in the caches of values the exact path has already validated. The fast path never
    decides a reason: anything it does not accept is re-checked by the exact path.
    """
    env: dict[str, object] = {"RowError": RowError}
    body: list[str] = [f"    if len(f) != {n}: return None"]
    assign: list[str] = []
    sets: dict[tuple[int, bool, int], frozenset[str]] = {}
    k = 0
    cols = list(zip(positions, spec.columns, strict=True))
    while k < len(cols):
        pos, col = cols[k]
        chk = col.check
        kind = getattr(chk, "kind", "custom") if chk is not None else "text"
        v = f"f[{pos}]"
        if kind == "set":
            memo = (id(chk.allowed), col.required, col.max_len)
            if memo not in sets:
                ok = frozenset(x for x in chk.allowed if x and len(x) <= col.max_len)
                sets[memo] = ok if col.required else ok | {""}
            name = f"S{k}"
            env[name] = sets[memo]
            j = k + 1
            while (
                j < len(cols)
                and cols[j][0] == pos + (j - k)
                and getattr(cols[j][1].check, "kind", None) == "set"
                and (id(cols[j][1].check.allowed), cols[j][1].required, cols[j][1].max_len) == memo
            ):
                j += 1
            if j - k > 1:
                body.append(f"    if not {name}.issuperset(f[{pos}:{pos + j - k}]): return None")
            else:
                body.append(f"    if {v} not in {name}: return None")
            k = j
            continue
        if kind == "text":
            cond = f"len({v}) <= {col.max_len}"
            if col.required:
                cond = f"{v} and {cond}"
            body.append(f"    if not ({cond}): return None")
        elif kind == "date":
            # First sight of a date: the check validates and caches it (or raises).
            env[f"D{k}"], env[f"C{k}"] = chk.valid, chk
            guard = "" if col.required else f"{v} and "
            body.append(f"    if {guard}{v} not in D{k}: C{k}({v})")
        elif kind == "nhs":
            env[f"N{k}"], env[f"C{k}"] = chk.valid, chk
            body.append(f"    p{k} = N{k}.get({v})")
            body.append(f"    if p{k} is None: p{k} = C{k}({v})")
            assign.append(f"    f[{pos}] = p{k}")
        else:
            # Checks are pure (value -> loaded value or RowError): memoise the valid ones.
            env[f"C{k}"], env[f"M{k}"] = chk, {}
            body.append(f"    c{k} = M{k}.get({v})")
            body.append(f"    if c{k} is None:")
            if col.required:
                body.append(f"        if not {v} or len({v}) > {col.max_len}: return None")
                body.append(f"        c{k} = M{k}[{v}] = C{k}({v})")
            else:
                body.append(f"        if len({v}) > {col.max_len}: return None")
                body.append(f"        c{k} = M{k}[{v}] = C{k}({v}) if {v} else ''")
            assign.append(f"    f[{pos}] = c{k}")
        k += 1
    if positions == list(range(len(positions))) and n == len(positions):
        ret = "    return f"
    else:
        ret = "    return [" + ", ".join(f"f[{p}]" for p in positions) + "]"
    src = (
        "def fast(f):\n    try:\n"
        + "\n".join("    " + line for line in body + assign + [ret])
        + "\n    except RowError:\n        return None\n"
    )
    exec(compile(src, f"<fast path for {spec.table}>", "exec"), env)  # noqa: S102
    return env["fast"]  # type: ignore[return-value]


def load_delimited(ctx: FileContext, spec: TableSpec) -> None:
    """Validate every record of the file and COPY the good ones into `spec.table`.

    Values handed to `spec.row` are strings in spec column order, '' for an empty optional
    field (loaded as NULL).
    """
    records = _records(ctx, spec)
    first = next(records, None)
    if first is None:
        raise FileError(FileReason.WRONG_HEADER, f"{ctx.path.name}: empty file, no header")
    _, _, header, _ = first
    positions = check_header(ctx, spec, header)
    n = len(header)
    plan = [
        (pos, c.check, c.required, c.max_len, c.name)
        for pos, c in zip(positions, spec.columns, strict=True)
    ]
    fast = compile_fast(spec, positions, n)
    withdrawn = _withdrawn_check(ctx, spec, positions)  # issue 8: refuse withdrawn people
    build, key = spec.row, spec.key
    seen: set[Hashable] = set()
    quarantine = ctx.quarantine
    delivered = 0
    try:
        with ctx.writer(spec.table, spec.out_columns) as w:
            write = w.write
            buf, prefix, suffix, block = w.buffer, w.prefix, w.suffix, COPY_BLOCK_ROWS
            for lineno, raw, fields, escape in records:
                delivered += 1
                try:
                    if withdrawn is not None and withdrawn(fields):
                        # First, so no other reason keeps their line in quarantine.
                        raise RowError(
                            RowReason.WITHDRAWN_PARTICIPANT,
                            "participant withdrew (no_further_use); record not loaded",
                        )
                    if "\x00" in raw:
                        raise RowError(RowReason.EMBEDDED_NUL, "record contains a NUL byte")
                    vals = fast(fields)
                    if vals is None:
                        vals = _exact(fields, n, plan)
                    out = build(vals)
                    if key is not None:
                        k = key(vals)
                        if k in seen:
                            raise RowError(
                                RowReason.DUPLICATE_KEY,
                                f"{spec.key_name or 'key'} repeated within the file",
                            )
                        seen.add(k)
                    if escape:
                        write(out, lineno, True)
                    else:
                        buf.append(f"{prefix}{lineno}{suffix}{'|'.join(out)}\n")
                        if len(buf) >= block:
                            ctx.delivered = delivered
                            w.flush()
                except RowError as exc:
                    quarantine(lineno, exc.reason, exc.message, raw)
                except RowExcluded as exc:
                    ctx.exclude(exc.reason)
    finally:
        ctx.delivered = delivered


def _withdrawn_check(
    ctx: FileContext, spec: TableSpec, positions: list[int]
) -> Callable[[list[str]], bool] | None:
    """Issue 8: a test on a record's delivered fields for participants withdrawn with
    `no_further_use` (their referral_id, or an NHS number whose pseudonym is theirs), or None
    when nobody is withdrawn. Runs before any other check, so the line of a withdrawn
    participant is never kept in quarantine whatever else is wrong with it. Who counts as
    withdrawn: loaders.ingest.withdrawn.
    """
    if spec.table == "raw.withdrawals":
        return None
    rows = withdrawn_no_further_use(ctx.conn, ctx.delivery.delivery_date)
    rids = frozenset(r for r, _ in rows)
    pseudonyms = frozenset(p for _, p in rows)
    cols = list(zip(positions, spec.columns, strict=True))
    by_id = [pos for pos, c in cols if c.name == "referral_id"]
    by_nhs = [(pos, c.check) for pos, c in cols if getattr(c.check, "kind", None) == "nhs"]
    if not rows or not (by_id or by_nhs):
        return None

    def withdrawn(fields: list[str]) -> bool:
        n = len(fields)
        if any(pos < n and fields[pos] in rids for pos in by_id):
            return True
        for pos, check in by_nhs:
            if pos < n and fields[pos]:
                try:
                    if check(fields[pos]) in pseudonyms:
                        return True
                except RowError:
                    pass  # not a valid NHS number: the record's own checks will say so
        return False

    return withdrawn


def _exact(fields: list[str], n: int, plan: list) -> Values:
    """Check a record column by column; raise the first RowError (the record's reason)."""
    if len(fields) != n:
        raise RowError(
            RowReason.WRONG_COLUMN_COUNT, f"{len(fields)} fields where the header has {n}"
        )
    vals: Values = []
    append = vals.append
    for pos, check, required, max_len, name in plan:
        v = fields[pos]
        if not v:
            if required:
                raise RowError(RowReason.MISSING_REQUIRED, f"{name}: empty")
            append("")
            continue
        if len(v) > max_len:
            raise RowError(
                RowReason.FIELD_TOO_LONG, f"{name}: {len(v)} characters, at most {max_len} allowed"
            )
        append(check(v) if check is not None else v)
    return vals
