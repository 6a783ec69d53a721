"""Block validation of pipe-delimited files: the volume path of `load_delimited` (HES, deaths).

Why it exists: a HES APC month is ~1M records of 60 fields. Splitting and checking every
field in Python costs more per record than PostgreSQL spends parsing the same record in
COPY, so the loader, not the database, set the pace (bench/load_throughput.py). Here a block
of whole lines (~4 MB) is tokenised once with numpy (the positions of `|` and LF), each
column is checked for every record of the block at once, and every *distinct* value is
checked once by the column's own check, the very function the record path calls. A record
accepted here goes to the COPY stream as delivered, with its NHS number replaced by its
pseudonym.

Two compiled kernels (numba, cached on disk after the first compile) do the per-byte work:
`_scan` splits the block and checks every field's shape, length and, for code columns, set
membership against a bitset built from the column's own allowed set; `_emit_binary` writes
the accepted records as binary COPY tuples, so the server parses no text for them (its
share of a HES load drops by about a third). Between the two, Python checks each distinct
date, NHS number and custom value once with the column's own check, and settles the keys.

The block path never decides a reason. Anything it does not accept (a wrong field count, a
value a check rejects or rewrites, a quote, NUL or non-ASCII byte, dates out of order, a
repeated key, a withdrawn participant) is handed, in file order, to the record path, which
quarantines or loads it exactly as it always did. So the two paths load the same rows and
quarantine the same lines with the same reasons (tests/test_load_blocks.py checks that on
files full of defects).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from loaders.ingest.errors import RowError
from loaders.ingest.parsing import _not_utf8

#: Bytes read per block (cut back to the last whole line).
BLOCK_BYTES = 4 << 20

_BOM = b"\xef\xbb\xbf"
#: Column kinds the kernel knows.
TEXT, CODE, DATE, NHS, SHORT = 0, 1, 2, 3, 4
#: Codes of at most 4 characters from this alphabet are tested in a bitset of 2**24 bits.
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
_CHARMAP = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(_ALPHABET, 1):
    _CHARMAP[ord(_c)] = _i
#: Bytes the scan stops at: 1 a field's end (| or LF); 2 one that sends the record to the
#: record path (quote, NUL, CR, any non-ASCII byte); 0 the rest.
_BYTECLASS = np.zeros(256, dtype=np.uint8)
_BYTECLASS[[0x7C, 0x0A]] = 1
_BYTECLASS[[0x22, 0x00, 0x0D]] = 2
_BYTECLASS[0x80:] = 2


@dataclass
class Block:
    """Whole lines of the file: `data` and `text` hold the same lines, each ending in LF.

    `lone_cr` is True when the block holds a CR that is not part of a CRLF: the record path
    then splits it (a lone CR ends a record there, as in universal-newline reading).
    """

    data: bytes
    text: str
    lone_cr: bool


def read_blocks(path: Path, size: int | None = None) -> Generator[Block, None, None]:
    """The file as blocks of whole lines, with the reading rules of `parsing.pipe_records`:
    a leading UTF-8 BOM dropped, CRLF read as LF, the last line ending added if missing,
    and NOT_UTF8 (naming the line) on the first undecodable byte."""
    size = size or BLOCK_BYTES
    with path.open("rb") as fh:
        carry = b""
        first = True
        while True:
            data = fh.read(size)
            if not data:
                break
            data = carry + data if carry else data
            if first:
                first = False
                if data.startswith(_BOM):
                    data = data[3:]
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            yield _block(path, data[: cut + 1] if carry else data)
        if carry:
            yield _block(path, carry + b"\n")


def _block(path: Path, data: bytes) -> Block:
    lone_cr = False
    if b"\r" in data:
        if data.count(b"\r\n") == data.count(b"\r"):
            data = data.replace(b"\r\n", b"\n")
        else:
            lone_cr = True
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    return Block(data, text, lone_cr)


def block_records(
    block: Block, first_line: int
) -> Iterator[tuple[int, str, list[str], bool, None]]:
    """The block's records as `parsing.pipe_records` yields them (used for lone-CR blocks)."""
    lines = io.StringIO(block.text, newline="") if block.lone_cr else block.text.split("\n")[:-1]
    for lineno, line in enumerate(lines, first_line):
        raw = line.rstrip("\r\n")
        yield lineno, raw, raw.split("|"), '"' in raw or "\r" in raw, None


def _code_index(value: str) -> int | None:
    """The bitset index of a code (None when it cannot be one: too long, other characters)."""
    if not 0 < len(value) <= 4:
        return None
    idx = 0
    for p in range(4):
        m = int(_CHARMAP[ord(value[p])]) if p < len(value) and ord(value[p]) < 256 else 0
        if m == 255:
            return None
        idx = idx * 64 + m
    return idx


class _Bitsets:
    """Every allowed-value set the block path has met, as rows of one array of 2**24-bit
    bitsets (one bit per possible short code). Built once per set and process: the code
    systems (ICD-10, OPCS-4, HES codes) are shared by every file."""

    def __init__(self) -> None:
        self.rows: dict[frozenset[str], int | None] = {}
        self.array = np.zeros((0, 1 << 21), dtype=np.uint8)

    def row(self, allowed: frozenset[str]) -> int | None:
        """The row of `allowed`, or None when a member is not a short alphabet code."""
        if allowed not in self.rows:
            idx = [_code_index(v) for v in allowed if v]
            if any(i is None for i in idx):
                self.rows[allowed] = None
            else:
                bits = np.zeros(1 << 24, dtype=bool)
                bits[np.array(idx, dtype=np.int64)] = True
                packed = np.packbits(bits, bitorder="little")
                self.array = np.concatenate([self.array, packed[None, :]])
                self.rows[allowed] = len(self.array) - 1
        return self.rows[allowed]


_BITSETS = _Bitsets()


@njit(cache=True, nogil=True)
def _fits_int(buf, fs, fe, width):
    """Whether buf[fs:fe] is a decimal integer that fits a signed integer of `width` bytes."""
    neg = buf[fs] == 45
    p = fs + 1 if neg else fs
    if p == fe or fe - p > 18:
        return False
    v = 0
    while p < fe:
        d = np.int64(buf[p]) - 48
        if d < 0 or d > 9:
            return False
        v = v * 10 + d
        p += 1
    limit = 32767 if width == 2 else (2147483647 if width == 4 else 999999999999999999)
    return v <= limit or (neg and v == limit + 1)


@njit(cache=True, nogil=True)
def _int_at(buf, fs, fe):
    neg = buf[fs] == 45
    p = fs + 1 if neg else fs
    v = 0
    while p < fe:
        v = v * 10 + (np.int64(buf[p]) - 48)
        p += 1
    return -v if neg else v


@njit(cache=True, nogil=True)
def _put(out, o, value, width):
    """Write `value` big-endian in `width` bytes at out[o]; returns the next offset."""
    for k in range(width - 1, -1, -1):
        out[o + k] = value & 0xFF
        value >>= 8
    return o + width


@njit(cache=True, nogil=True)
def _pg_days(ymd):
    """Days from 2000-01-01 (PostgreSQL's binary date) of an integer YYYYMMDD."""
    y, m, d = ymd // 10000, ymd // 100 % 100, ymd % 100
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468 - 10957


@njit(cache=True, nogil=True)
def _scan(buf, n, kinds, slots, max_len, required, ints, charmap, byteclass, bitsets, key_col,
          nhs_col, line_start, line_end, status, codes, ymd, nhs, key_s, key_e, nhs_s,
          nhs_e):  # fmt: skip
    """One pass over a block of whole lines: per line its bounds, whether every field has
    the right shape (status 0) or not (1), and the values Python checks per distinct value
    (codes of SHORT columns, dates as YYYYMMDD, the NHS number as an integer). A column with
    `ints[j]` = 2, 4 or 8 loads into an integer of that many bytes: its value must be one."""
    pos = 0
    i = 0
    size = len(buf)
    while pos < size:
        ls = pos
        bad = False
        f = 0
        fs = pos
        while True:
            c = buf[pos]
            cls = byteclass[c]
            if cls == 0:
                pos += 1
                continue
            if cls == 1:
                if f < n and not bad:
                    j = f
                    ln = pos - fs
                    if j == key_col:
                        key_s[i] = fs
                        key_e[i] = pos
                    if j == nhs_col:
                        nhs[i] = -1
                        nhs_s[i] = fs
                        nhs_e[i] = fs
                    if ln == 0:
                        bad = required[j]
                    elif ln > max_len[j]:
                        bad = True
                    else:
                        if ints[j] > 0:
                            bad = not _fits_int(buf, fs, pos, ints[j])
                        k = kinds[j]
                        if k == 1:
                            if ln > 4:
                                bad = True
                            else:
                                idx = 0
                                for p in range(4):
                                    m = charmap[buf[fs + p]] if p < ln else 0
                                    if m == 255:
                                        bad = True
                                    idx = idx * 64 + m
                                if not bad and not (bitsets[slots[j], idx >> 3] >> (idx & 7)) & 1:
                                    bad = True
                        elif k == 2:
                            if ln != 10 or buf[fs + 4] != 45 or buf[fs + 7] != 45:
                                bad = True
                            else:
                                v = 0
                                for p in (0, 1, 2, 3, 5, 6, 8, 9):
                                    d = buf[fs + p] - 48
                                    if d < 0 or d > 9:
                                        bad = True
                                    v = v * 10 + d
                                ymd[i, slots[j]] = v
                        elif k == 3:
                            if ln != 10:
                                bad = True
                            else:
                                v = 0
                                for p in range(10):
                                    d = buf[fs + p] - 48
                                    if d < 0 or d > 9:
                                        bad = True
                                    v = v * 10 + d
                                nhs[i] = v
                                nhs_e[i] = pos
                        elif k == 4:
                            v = 0
                            for p in range(ln - 1, -1, -1):
                                v = v * 256 + buf[fs + p]
                            codes[i, slots[j]] = v
                f += 1
                if c == 10:
                    break
                fs = pos + 1
            else:
                bad = True
            pos += 1
        line_start[i] = ls
        line_end[i] = pos
        status[i] = 1 if (bad or f != n) else 0
        pos += 1
        i += 1
    return i


@njit(cache=True, nogil=True)
def _emit_binary(buf, sel, first_line, line_start, line_end, n, types, dslot, ymd, nhs_col,
                 pidx, pmat, plen, file_id, delivery_days, out):  # fmt: skip
    """The selected records as PostgreSQL binary COPY tuples: ledger_file_id, source_line,
    delivery_date, then the n fields typed by `types` (0 text, 1 date, 2/4/8 integer of that
    many bytes), the NHS number replaced by its pseudonym, empty fields NULL. Returns the
    number of bytes written. The server skips all text parsing of these rows."""
    o = 0
    for t in range(len(sel)):
        i = sel[t]
        o = _put(out, o, n + 3, 2)
        o = _put(out, o, 8, 4)
        o = _put(out, o, file_id, 8)
        o = _put(out, o, 8, 4)
        o = _put(out, o, first_line + i, 8)
        o = _put(out, o, 4, 4)
        o = _put(out, o, delivery_days, 4)
        fs = line_start[i]
        le = line_end[i]
        j = 0
        for pos in range(fs, le + 1):
            if pos < le and buf[pos] != 124:
                continue
            ln = pos - fs
            if j == nhs_col:
                q = pidx[i]
                if q < 0:
                    o = _put(out, o, -1, 4)
                else:
                    w = plen[q]
                    o = _put(out, o, w, 4)
                    for k in range(w):  # element loops: a slice per field costs more
                        out[o + k] = pmat[q, k]
                    o += w
            elif ln == 0:
                o = _put(out, o, -1, 4)
            else:
                ty = types[j]
                if ty == 0:
                    o = _put(out, o, ln, 4)
                    for k in range(ln):
                        out[o + k] = buf[fs + k]
                    o += ln
                elif ty == 1:
                    o = _put(out, o, 4, 4)
                    o = _put(out, o, _pg_days(ymd[i, dslot[j]]), 4)
                else:
                    o = _put(out, o, ty, 4)
                    o = _put(out, o, _int_at(buf, fs, pos), ty)
            j += 1
            fs = pos + 1
    return o


def _kernel_kind(col) -> int | None:
    """How the kernel checks a column: CODE (set membership in a bitset), DATE, NHS, TEXT
    (length only), SHORT (values of <= 8 bytes, each distinct one then checked by the
    column's own check), or None when it cannot (a longer value for a custom check)."""
    kind = getattr(col.check, "kind", "custom") if col.check is not None else "text"
    if kind == "set" and _BITSETS.row(col.check.allowed) is not None:
        return CODE
    if kind in ("text", "date", "nhs"):
        return {"text": TEXT, "date": DATE, "nhs": NHS}[kind]
    return SHORT if col.max_len <= 8 else None


class _Distinct:
    """Applies one column's own check to each distinct value once (per file): True when the
    check accepts the value and loads it unchanged."""

    def __init__(self, check: Callable[[str], str]) -> None:
        self._check = check
        self._memo: dict[str, bool] = {}

    def __call__(self, value: str) -> bool:
        ok = self._memo.get(value)
        if ok is None:
            try:
                ok = self._check(value) == value
            except RowError:
                ok = False
            self._memo[value] = ok
        return ok

    def reject(self, values: np.ndarray, as_text: Callable[[int], str]) -> np.ndarray:
        """Which entries of `values` the check does not accept as they are."""
        if len(values) == 0:
            return np.zeros(0, dtype=bool)
        u, inv = np.unique(values, return_inverse=True)
        bad = np.fromiter((not self(as_text(x)) for x in u.tolist()), dtype=bool, count=len(u))
        return bad[inv.ravel()]


class _Dates(_Distinct):
    """`_Distinct` for a date column, remembering verdicts in a table indexed by YYYYMMDD
    (years 1800-2100: 3 MB), so a block's dates cost one lookup each, not a sort."""

    BASE, SIZE = 18000000, 3010000

    def __init__(self, check: Callable[[str], str]) -> None:
        super().__init__(check)
        self._state = np.zeros(self.SIZE, dtype=np.int8)  # 0 unknown, 1 accepted, 2 not

    def reject(self, values: np.ndarray, as_text: Callable[[int], str]) -> np.ndarray:
        at = values - self.BASE
        inside = (at >= 0) & (at < self.SIZE)
        at = np.where(inside, at, 0)
        state = self._state[at]
        new = inside & (state == 0)
        if new.any():
            for x in np.unique(values[new]).tolist():
                self._state[x - self.BASE] = 1 if self(as_text(x)) else 2
            state = self._state[at]
        bad = state == 2
        if not inside.all():
            bad[~inside] = super().reject(values[~inside], as_text)
        return bad


def _short_text(x: int) -> str:
    return x.to_bytes(8, "little").rstrip(b"\0").decode("ascii")


def _date_text(x: int) -> str:
    return f"{x // 10000:04d}-{x // 100 % 100:02d}-{x % 100:02d}"


@dataclass
class Scan:
    """What the block path decided for one block (see `BlockPlan.scan`)."""

    lines: int
    accepted: np.ndarray  # per line
    keys: list | None  # per accepted line, in order (None: the file has no key)
    arrays: dict[str, np.ndarray]  # the kernel's per-line arrays (bounds, values, pseudonyms)


class BlockPlan:
    """The block checks for one file: built from its TableSpec by `plan_blocks`."""

    def __init__(self, spec, positions: list[int], withdrawn_pseudonyms: frozenset[str]) -> None:
        # Everything here is in the file's column order (free in feeds.md): the binary COPY
        # names its columns in that order, so records go out as they come in.
        n = len(positions)
        order = sorted(range(n), key=positions.__getitem__)  # spec index of each file column
        cols = [spec.columns[k] for k in order]
        names = [c.name for c in cols]
        #: the raw table's columns, in the file's order (after the three common ones)
        self.out_columns = [spec.out_columns[k] for k in order]
        self.n = n
        self.kinds = np.zeros(n, dtype=np.int8)
        self.slots = np.zeros(n, dtype=np.int64)
        self.max_len = np.array([c.max_len for c in cols], dtype=np.int64)
        self.required = np.array([c.required for c in cols], dtype=np.bool_)
        self.withdrawn = withdrawn_pseudonyms
        self.shorts: list[tuple[int, _Distinct]] = []
        self.dates: list[tuple[int, _Distinct]] = []
        self.nhs_col, self.nhs_check = -1, None
        for j, c in enumerate(cols):
            kind = _kernel_kind(c)
            self.kinds[j] = kind
            if kind == CODE:
                self.slots[j] = _BITSETS.row(c.check.allowed)
            elif kind == DATE:
                self.slots[j] = len(self.dates)
                self.dates.append((j, _Dates(c.check)))
            elif kind == NHS:
                self.nhs_col, self.nhs_check = j, c.check
            elif kind == SHORT:
                self.slots[j] = len(self.shorts)
                self.shorts.append((j, _Distinct(c.check)))
        self.bitsets = _BITSETS.array
        dates = [j for j, _ in self.dates]
        self.rules = [(dates.index(names.index(r.earlier)), dates.index(names.index(r.later)))
                      for r in spec.rules]  # fmt: skip
        self.key_col = names.index(spec.key[0]) if spec.key else -1
        # NHS number (as an integer) -> index of its pseudonym, -1: not accepted
        self._known: dict[int, int] = {}
        self._pseudonyms: list[bytes] = []
        self.pmat = np.zeros((0, 64), dtype=np.uint8)
        self.plen = np.zeros(0, dtype=np.int64)
        self.ints = np.zeros(n, dtype=np.int8)
        self.types: np.ndarray | None = None

    def bind_types(self, types: list[str]) -> bool:
        """Take the raw table's types of the n columns (PostgreSQL type names) for binary
        COPY; False (CSV COPY then) when one has no binary writer here, or is a date the
        spec does not check as a date."""
        codes = {"text": 0, "date": 1, "smallint": 2, "integer": 4, "bigint": 8}
        if len(types) != self.n or any(t not in codes for t in types):
            return False
        out = np.array([codes[t] for t in types], dtype=np.int8)
        if any(out[j] == 1 and self.kinds[j] != DATE for j in range(self.n)):
            return False
        self.types = out
        self.ints = np.where(out >= 2, out, 0).astype(np.int8)
        return True

    def kernel(self, data: bytes) -> dict[str, np.ndarray]:
        """The compiled pass over a block (`_scan`). Reads only what `bind_types` left
        fixed and allocates its own arrays, so it may run in another thread, ahead of
        `scan` (which keeps the per-file caches and runs in the loading thread)."""
        nl = data.count(b"\n")
        a = {
            "line_start": np.empty(nl, np.int64),
            "line_end": np.empty(nl, np.int64),
            "status": np.empty(nl, np.int8),
            "codes": np.zeros((nl, max(1, len(self.shorts))), np.uint64),
            "ymd": np.zeros((nl, max(1, len(self.dates))), np.int64),
            "nhs": np.full(nl, -1, np.int64),
            "key_s": np.zeros(nl, np.int64),
            "key_e": np.zeros(nl, np.int64),
            "nhs_s": np.zeros(nl, np.int64),
            "nhs_e": np.zeros(nl, np.int64),
        }
        _scan(np.frombuffer(data, dtype=np.uint8), self.n, self.kinds, self.slots, self.max_len,
              self.required, self.ints, _CHARMAP, _BYTECLASS, self.bitsets, self.key_col,
              self.nhs_col, a["line_start"], a["line_end"], a["status"], a["codes"], a["ymd"],
              a["nhs"], a["key_s"], a["key_e"], a["nhs_s"], a["nhs_e"])  # fmt: skip
        return a

    def scan(self, data: bytes, arrays: dict[str, np.ndarray] | None = None) -> Scan:
        """Check every line of a block of whole lines (`arrays`: `kernel(data)`, when it was
        run ahead, in another thread)."""
        a = self.kernel(data) if arrays is None else arrays
        nl = len(a["status"])
        ok = a["status"] == 0
        for k, (_, test) in enumerate(self.shorts):
            r = np.flatnonzero(ok & (a["codes"][:, k] != 0))
            ok[r[test.reject(a["codes"][r, k], _short_text)]] = False
        for k, (_, test) in enumerate(self.dates):
            r = np.flatnonzero(ok & (a["ymd"][:, k] != 0))
            ok[r[test.reject(a["ymd"][r, k], _date_text)]] = False
        ymd = a["ymd"]
        for i, k in self.rules:
            ok &= ~((ymd[:, i] > 0) & (ymd[:, k] > 0) & (ymd[:, k] < ymd[:, i]))
        pidx = np.full(nl, -1, np.int64)
        if self.nhs_col >= 0:
            r = np.flatnonzero(ok & (a["nhs"] >= 0))
            p = self._pseudonym_index(a["nhs"][r])
            ok[r[p < 0]] = False
            pidx[r] = p
        a["pidx"] = pidx
        keys = None
        if self.key_col >= 0:
            acc = np.flatnonzero(ok)
            if self.key_col == self.nhs_col:
                keys = [self._pseudonyms[q].decode("ascii") for q in pidx[acc].tolist()]
            else:
                # Accepted lines are ASCII, so latin-1 gives their text at byte offsets.
                text = data.decode("latin-1")
                starts, ends = a["key_s"][acc].tolist(), a["key_e"][acc].tolist()
                keys = [text[s:e] for s, e in zip(starts, ends, strict=True)]
        return Scan(nl, ok, keys, a)

    def _pseudonym_index(self, numbers: np.ndarray) -> np.ndarray:
        """Per NHS number: the index of its pseudonym, or -1 when the column's check rejects
        it or its participant withdrew. Each distinct number is checked (and hashed) once."""
        numbers = numbers.tolist()
        known = self._known
        get = known.get
        idx = [get(x, -2) for x in numbers]
        if -2 in idx:
            width = self.pmat.shape[1]
            fresh: list[bytes] = []
            for x in {x for x, q in zip(numbers, idx, strict=True) if q == -2}:
                try:
                    p = self.nhs_check(f"{x:010d}")
                except RowError:
                    p = None
                if p is None or p in self.withdrawn:
                    self._known[x] = -1
                    continue
                self._known[x] = len(self._pseudonyms) + len(fresh)
                fresh.append(p.encode("ascii"))
                width = max(width, len(p))
            if fresh:
                mat = np.zeros((len(fresh), width), dtype=np.uint8)
                if all(len(b) == width for b in fresh):
                    mat[:] = np.frombuffer(b"".join(fresh), dtype=np.uint8).reshape(-1, width)
                else:
                    for t, b in enumerate(fresh):
                        mat[t, : len(b)] = np.frombuffer(b, dtype=np.uint8)
                old = self.pmat
                if old.shape[1] < width:
                    old = np.pad(old, ((0, 0), (0, width - old.shape[1])))
                self.pmat = np.concatenate([old, mat])
                self.plen = np.concatenate([self.plen, [len(b) for b in fresh]])
                self._pseudonyms.extend(fresh)
            for t, q in enumerate(idx):
                if q == -2:
                    idx[t] = known[numbers[t]]
        return np.array(idx, dtype=np.int64)

    def emit_binary(self, data: bytes, scan: Scan, sel: np.ndarray, first_line: int,
                    file_id: int, delivery_days: int) -> np.ndarray:  # fmt: skip
        """The binary COPY tuples of the selected accepted lines of a scanned block."""
        a = scan.arrays
        size = int((a["line_end"][sel] - a["line_start"][sel]).sum())
        size += len(sel) * (2 + 36 + 12 * self.n + self.pmat.shape[1])
        out = np.empty(size, dtype=np.uint8)
        dslot = np.where(self.kinds == DATE, self.slots, 0)
        k = _emit_binary(np.frombuffer(data, dtype=np.uint8), sel, first_line, a["line_start"],
                         a["line_end"], self.n, self.types, dslot, a["ymd"], self.nhs_col,
                         a["pidx"], self.pmat, self.plen, file_id, delivery_days, out)  # fmt: skip
        return out[:k]


def plan_blocks(spec, positions: list[int], n: int, withdrawn_ids: frozenset[str],
                withdrawn_pseudonyms: frozenset[str]) -> BlockPlan | None:  # fmt: skip
    """The block plan for a file, or None when the block path cannot reproduce the record
    path's output for it: a header that is not exactly the spec's columns, a row builder,
    a composite key, more than one NHS-number column, a check the kernel cannot apply to
    long values, or withdrawn referral ids to look for."""
    cols = list(spec.columns)
    if sorted(positions) != list(range(len(cols))) or n != len(cols) or spec.row is not None:
        return None
    if len(spec.key) > 1:
        return None
    kinds = [_kernel_kind(c) for c in cols]
    if None in kinds or kinds.count(NHS) > 1:
        return None
    if withdrawn_ids and any(c.name == "referral_id" for c in cols):
        return None
    return BlockPlan(spec, positions, withdrawn_pseudonyms)


def warm_up() -> None:
    """Compile (or load from numba's on-disk cache) the kernels with the argument types a
    real load uses, by running the block path's checks on two synthetic records: `make
    setup` and the Docker image call it, so no nightly task pays the ~2 s compile."""
    from datetime import date

    from loaders.ingest.table import Col, DateOrder, TableSpec
    from loaders.ingest.validation import Dates, date_check, in_set

    dates = Dates(date(2024, 12, 31))
    spec = TableSpec(
        "raw.warm_up",
        [
            Col("NHS", _WarmNhs(), max_len=12),
            Col("CODE", in_set("CODE", frozenset({"A1", "B2"})), max_len=2),
            Col("FROM", date_check(dates, "FROM"), max_len=10),
            Col("TO", date_check(dates, "TO"), required=False, max_len=10),
            Col("ODS", lambda v: v, max_len=5),
            Col("KEY", max_len=32),
            Col("N", None, required=False, max_len=4),
        ],
        ["participant_pseudonym", "code", "d_from", "d_to", "ods", "key", "n"],
        key=("KEY",),
        rules=(DateOrder("FROM", "TO", "TO is before FROM"),),
        delimiter="|",
    )
    plan = plan_blocks(spec, list(range(7)), 7, frozenset(), frozenset())
    assert plan is not None and plan.bind_types(
        ["text"] * 2 + ["date"] * 2 + ["text"] * 2 + ["smallint"]
    )
    data = b"9434765919|A1|2024-01-02|2024-01-03|RGT|k1|7\n9434765919|B2|2024-01-02||RGT|k2|\n"
    scan = plan.scan(data, plan.kernel(data))
    assert scan.accepted.all(), "the warm-up records should be accepted"
    plan.emit_binary(data, scan, np.flatnonzero(scan.accepted), 2, 1, 9000)


class _WarmNhs:
    """An NHS-number check for `warm_up` (no key needed: it returns a fixed pseudonym)."""

    kind = "nhs"

    def __call__(self, v: str) -> str:
        return "0" * 64
