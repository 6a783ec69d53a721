"""The generic delimited-file loader: header check, per-record validation, COPY, quarantine.

A feed describes its file once as a `TableSpec` (columns with their checks, the raw table,
date-order rules, a row builder for other cross-field rules and derived columns, a business
key); `load_delimited` does the rest. Order of record checks (so each defect gets one,
predictable reason): withdrawn participant, broken file format (RFC 4180 quoting, a field
over the CSV reader's limit), embedded NUL, column count, then each column in spec order
(empty/required, its check, then length), then the date-order rules, then the row builder,
then the duplicate key. A column's own check comes before its length so that a value of
the wrong shape is named for what it is (a dotted ICD-10 code `Q90.9` is not an ICD-10 code
as HES writes it, not a value one character too long); the length still bounds every value
the check accepts.

Two paths share these checks. The record path splits and checks one record at a time. The
block path (loaders.ingest.blocks, pipe-delimited files whose layout it can reproduce)
checks whole blocks of records at once and loads the ones it accepts by binary COPY; it
hands every other record to the record path, which decides its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import chain

import numpy as np

from domain.reasons import FileReason, RowReason
from loaders.ingest.blocks import Block, BlockPlan, block_records, plan_blocks, read_blocks
from loaders.ingest.errors import FileError, RowError, RowExcluded
from loaders.ingest.ledger import COPY_BLOCK_ROWS, BinaryCopy, CopyWriter, Deferred, FileContext
from loaders.ingest.parsing import Record, csv_records, pipe_records
from loaders.ingest.withdrawn import withdrawn_no_further_use

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


@dataclass(frozen=True)
class DateOrder:
    """A cross-field rule: the date in `later` is not before the one in `earlier` (checked
    when both are given; dates are valid ISO strings by then, so string order is date
    order). Declared rather than coded so that the block path can check it too."""

    earlier: str
    later: str
    message: str


@dataclass
class TableSpec:
    table: str  # e.g. "raw.hes_apc"
    columns: Sequence[Col]  # exactly the feeds.md header (any order in the file)
    out_columns: Sequence[str]  # raw columns filled by `row`, after the three common ones
    #: checked values (spec order) -> raw row; None loads the checked values as they are.
    row: Callable[[Values], Sequence[str | None]] | None = None
    key: Sequence[str] = ()  # business-key columns, unique within the file
    rules: Sequence[DateOrder] = ()  # checked in order, after the columns, before `row`
    delimiter: str = ","

    @property
    def key_name(self) -> str:
        return self.key[0] if len(self.key) == 1 else f"({', '.join(self.key)})"


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


#: The block path (loaders.ingest.blocks) for pipe-delimited files; tests turn it off to
#: compare it with the record path.
BLOCK_PATH = True
PG_EPOCH = date(2000, 1, 1)


def load_delimited(ctx: FileContext, spec: TableSpec) -> None:
    """Validate every record of the file and COPY the good ones into `spec.table`.

    Values handed to `spec.row` are strings in spec column order, '' for an empty optional
    field (loaded as NULL). Pipe-delimited files go block by block through the block path,
    which hands every record it does not accept to the record path below.
    """
    if spec.delimiter == "|" and BLOCK_PATH and _load_blocks(ctx, spec):
        return
    _load_records(ctx, spec, _records(ctx, spec))


def _header(ctx: FileContext, spec: TableSpec, header: list[str]) -> tuple[list[int], _Records]:
    positions = check_header(ctx, spec, header)
    rows = withdrawn_no_further_use(ctx.conn, ctx.delivery.delivery_date)
    return positions, _Records(ctx, spec, positions, len(header), rows)


def _load_records(ctx: FileContext, spec: TableSpec, records: Iterator[Record]) -> None:
    first = next(records, None)
    if first is None:
        raise FileError(FileReason.WRONG_HEADER, f"{ctx.path.name}: empty file, no header")
    if first[4] is not None:
        raise FileError(
            FileReason.WRONG_HEADER, f"{ctx.path.name}: header line: {first[4].message}"
        )
    _, rec = _header(ctx, spec, first[2])
    with ctx.writer(spec.table, spec.out_columns) as w:
        rec.writer = w
        for record in records:
            ctx.delivered += 1
            rec(*record)


def _load_blocks(ctx: FileContext, spec: TableSpec) -> bool:
    """The block path; False (nothing sent to the database) when the file needs the record
    path from its first line: a lone CR in the first block, a layout `plan_blocks` cannot
    reproduce, or a raw column type the binary COPY writer does not handle."""
    blocks = read_blocks(ctx.path)
    first = next(blocks, None)
    if first is None:
        raise FileError(FileReason.WRONG_HEADER, f"{ctx.path.name}: empty file, no header")
    if first.lone_cr:
        blocks.close()
        return False
    cut = first.text.index("\n")
    positions, rec = _header(ctx, spec, first.text[:cut].split("|"))
    plan = plan_blocks(spec, positions, rec.n, rec.withdrawn_ids, rec.withdrawn_pseudonyms)
    if plan is None or not plan.bind_types(ctx.column_types(spec.table, plan.out_columns)):
        blocks.close()
        return False
    rest = Block(first.data[first.data.index(b"\n") + 1 :], first.text[cut + 1 :], False)
    blocks = chain([rest], blocks)
    line = 2
    # Accepted records go in binary COPY (no text parsing on the server); the record
    # path's rows are kept as CSV text and sent in a second COPY once that one is closed.
    deferred = Deferred()
    with (
        ctx.binary_writer(spec.table, plan.out_columns) as bw,
        ThreadPoolExecutor(1, thread_name_prefix="gwh-blocks") as ahead,
    ):
        rec.writer = w = CopyWriter(deferred, ctx)
        for block, arrays in _read_ahead(plan, blocks, ahead):
            line = _load_block(ctx, plan, rec, w, bw, block, arrays, line)
        w.flush()
    if deferred.written:
        with ctx.writer(spec.table, spec.out_columns) as w:
            w.replay(deferred.chunks())
    return True


def _read_ahead(
    plan: BlockPlan, blocks: Iterator[Block], pool: ThreadPoolExecutor
) -> Iterator[tuple[Block, dict | None]]:
    """The blocks with their kernel pass done one block ahead, in `pool`'s thread: reading,
    decoding and the compiled scan release the GIL, so they overlap the loading thread's
    Python work on the previous block. Errors (NOT_UTF8...) surface here, in order."""

    def work() -> tuple[Block, dict | None] | None:
        block = next(blocks, None)
        if block is None:
            return None
        return block, (None if block.lone_cr else plan.kernel(block.data))

    pending = pool.submit(work)
    while (got := pending.result()) is not None:
        pending = pool.submit(work)
        yield got


def _load_block(
    ctx: FileContext,
    plan: BlockPlan,
    rec: _Records,
    w: CopyWriter,
    bw: BinaryCopy,
    block: Block,
    arrays: dict | None,
    line: int,
) -> int:
    """Load one block (its first line is file line `line`); returns the next line number.

    Records the block path does not accept go, in file order, to the record path. Keys are
    settled in the same order: the accepted records between two handed-over ones are taken
    in one go when none of their keys is repeated, one by one otherwise, so the first valid
    occurrence of a key loads and later ones are quarantined, exactly as record by record.
    """
    if block.lone_cr:
        for record in block_records(block, line):
            ctx.delivered += 1
            rec(*record)
            line += 1
        return line
    scan = plan.scan(block.data, arrays)
    if scan.lines == 0:
        return line
    ctx.delivered += scan.lines
    bounds = scan.arrays["line_start"], scan.arrays["line_end"]

    def handover(i: int) -> None:
        raw = block.data[bounds[0][i] : bounds[1][i]].decode("utf-8")
        rec(line + i, raw, raw.split("|"), '"' in raw)

    accepted = np.flatnonzero(scan.accepted)
    slow = np.flatnonzero(~scan.accepted).tolist()
    if scan.keys is None:
        final = accepted
        for i in slow:
            handover(i)
    else:
        keys, seen = scan.keys, rec.seen
        take = np.zeros(scan.lines, dtype=bool)
        pos = 0
        ends = np.searchsorted(accepted, slow).tolist() + [len(accepted)]
        for i, j in zip(slow + [scan.lines], ends, strict=True):
            seg = keys[pos:j]
            if seg:
                if len(set(seg)) == len(seg) and seen.isdisjoint(seg):
                    seen.update(seg)
                    take[accepted[pos:j]] = True
                else:
                    for t in range(pos, j):
                        if keys[t] in seen:
                            handover(int(accepted[t]))  # the record path quarantines it
                        else:
                            seen.add(keys[t])
                            take[accepted[t]] = True
            if i < scan.lines:
                handover(i)
            pos = j
        final = np.flatnonzero(take)
    days = (ctx.delivery.delivery_date - PG_EPOCH).days
    bw.write_block(plan.emit_binary(block.data, scan, final, line, ctx.file_id, days), len(final))
    w.flush()
    return line + scan.lines


class _Records:
    """The record path: every check of one record, in the order of the module docstring,
    deciding its reason; the block path hands it every record it does not accept."""

    def __init__(
        self, ctx: FileContext, spec: TableSpec, positions: list[int], n: int, withdrawn: list
    ) -> None:
        self.ctx, self.n, self.writer = ctx, n, None
        self.plan = [
            (pos, c.check, c.required, c.max_len, c.name)
            for pos, c in zip(positions, spec.columns, strict=True)
        ]
        self.fast = compile_fast(spec, positions, n)
        names = [c.name for c in spec.columns]
        self.rules = [(names.index(r.earlier), names.index(r.later), r.message) for r in spec.rules]
        self.key = [names.index(k) for k in spec.key]
        self.key_name = spec.key_name
        self.build = spec.row
        self.seen: set[Hashable] = set()
        self.withdrawn_ids = frozenset(r for r, _ in withdrawn)
        self.withdrawn_pseudonyms = frozenset(p for _, p in withdrawn)
        # refuse withdrawn people
        self.withdrawn = _withdrawn_check(ctx, spec, positions, withdrawn)

    def __call__(
        self,
        lineno: int,
        raw: str,
        fields: list[str],
        escape: bool,
        malformed: RowError | None = None,
    ) -> None:
        try:
            if self.withdrawn is not None and self.withdrawn(fields):
                # First, so no other reason keeps their line in quarantine.
                raise RowError(
                    RowReason.WITHDRAWN_PARTICIPANT,
                    "participant withdrew (no_further_use); record not loaded",
                )
            if malformed is not None:
                raise malformed  # the reader could not read it as feeds.md's format
            if "\x00" in raw:
                raise RowError(RowReason.EMBEDDED_NUL, "record contains a NUL byte")
            vals = self.fast(fields)
            if vals is None:
                vals = _exact(fields, self.n, self.plan)
            for i, k, message in self.rules:
                if vals[i] and vals[k] and vals[k] < vals[i]:
                    raise RowError(RowReason.IMPOSSIBLE_DATE, message)
            out = vals if self.build is None else self.build(vals)
            if self.key:
                key = vals[self.key[0]] if len(self.key) == 1 else tuple(vals[i] for i in self.key)
                if key in self.seen:
                    raise RowError(
                        RowReason.DUPLICATE_KEY, f"{self.key_name} repeated within the file"
                    )
                self.seen.add(key)
            w = self.writer
            if escape:
                w.write(out, lineno, True)
            else:
                w.buffer.append(f"{w.prefix}{lineno}{w.suffix}{'|'.join(out)}\n")
                if len(w.buffer) >= COPY_BLOCK_ROWS:
                    w.flush()
        except RowError as exc:
            self.ctx.quarantine(lineno, exc.reason, exc.message, raw)
        except RowExcluded as exc:
            self.ctx.exclude(exc.reason)


def _withdrawn_check(
    ctx: FileContext, spec: TableSpec, positions: list[int], rows: list
) -> Callable[[list[str]], bool] | None:
    """A test on a record's delivered fields for participants withdrawn with
    `no_further_use` (their referral_id, or an NHS number whose pseudonym is theirs), or None
    when nobody is withdrawn. Runs before any other check, so the line of a withdrawn
    participant is never kept in quarantine whatever else is wrong with it. Who counts as
    withdrawn: loaders.ingest.withdrawn.
    """
    if spec.table == "raw.withdrawals":
        return None
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
        out = check(v) if check is not None else v
        if len(v) > max_len:
            raise RowError(
                RowReason.FIELD_TOO_LONG, f"{name}: {len(v)} characters, at most {max_len} allowed"
            )
        append(out)
    return vals
