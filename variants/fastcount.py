"""Count the site patterns of a block of VCF data lines, touching no line in Python.

Why: a Python loop costs about a microsecond per record per statement, so even a lean
per-line loop (split, slice, tuple, Counter) spent ~5 CPU-seconds per million records, three
times bcftools. Here a whole multi-megabyte block of complete lines is tokenised by one
compiled pass over its bytes (`_scan`, numba, cached on disk like the loaders' kernels):
for each record it gives CHROM runs, REF and ALT, the GT of every sample (each packed into
a uint64 word when at most 8 bytes), FORMAT/DP as an integer, and whether the line holds
`|HIGH|` or `|MODERATE|` (tiering's candidates, found in the same walk: variants.genome).
numpy then recodes the words to codes that hold for the whole pass (`PatternCoder`) and
counts each block's distinct rows; Python runs once per distinct pattern of the *pass*
(`PatternCoder.flush`), not per record nor per block. Before the scan existed, numpy found
every tab, newline and colon of the block in separate passes over the bytes, and that, with
building each block's patterns as tuples, cost more than bcftools spends on a genome.

The result is exactly what the per-line path produces: the same Counter keys
`(chrom, ref, alt, gt_1, ..., gt_n)` (or `(chrom, ref, alt)` when a record has no GT) and
the same depth sums. Anything this path does not handle verbatim - a wrong column count,
an empty column, a sample whose subfield count differs from FORMAT, depth from AD only, a
depth that is not plain digits or `.`, non-ASCII or NUL bytes - makes `count_block` return
None before changing anything, and the caller runs the per-line path on that block, which
accepts or rejects it with the file line number. Records with an allele or GT longer than
8 bytes (long indels, many-allele genotypes) are counted in Python one by one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from numba import njit

_LIMIT = 1 << 62  # mixed-radix keys stay below this, so int64 arithmetic cannot overflow
_PAD = bytes(8)
#: MASK[k] keeps the first k bytes of a little-endian uint64.
_MASK = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def _decode_words(words: np.ndarray) -> list[str]:
    """uint64 words from _word back to strings (NUL padding dropped by the S8 view)."""
    return [b.decode("ascii") for b in words.view("S8").tolist()]


class StableCoder:
    """Codes for uint64 words (alleles, GTs) that stay the same for a whole pass.

    Words are found by a binary search in a sorted table of the words met so far; a code is
    the order in which its word was first met, so codes from different blocks can be
    counted together. A genome has a few dozen GT words and some tens of thousands of
    alleles of at most 8 bytes, so after the first blocks nearly every lookup hits.
    """

    def __init__(self) -> None:
        self.known = np.empty(0, np.uint64)  # sorted
        self.ids = np.empty(0, np.int64)  # code of each `known` word
        self.size = 0

    def codes(self, words: np.ndarray) -> np.ndarray:
        if self.known.size:
            pos = np.searchsorted(self.known, words)
            np.minimum(pos, self.known.size - 1, out=pos)
            miss = self.known[pos] != words
            if not miss.any():
                return self.ids[pos]
            new = np.unique(words[miss])
        else:
            new = np.unique(words)
        known = np.concatenate((self.known, new))
        ids = np.concatenate((self.ids, np.arange(self.size, self.size + new.size)))
        order = np.argsort(known, kind="stable")
        self.known, self.ids = known[order], ids[order]
        self.size += new.size
        return StableCoder.codes(self, words)

    def texts(self) -> list[str]:
        """The word of each code, as text."""
        words = np.empty(self.size, np.uint64)
        words[self.ids] = self.known
        return _decode_words(words)


class AlleleCoder(StableCoder):
    """StableCoder for REF/ALT words: a single base (most alleles, every SNV's) is its own
    code 0-255, so only longer alleles are looked up; those get 256 + their StableCoder
    code."""

    def codes(self, words: np.ndarray) -> np.ndarray:
        out = words.astype(np.int64)
        longer = words >= 256
        if longer.any():
            out[longer] = super().codes(words[longer]) + 256
        return out

    @property
    def radix(self) -> int:
        return 256 + self.size

    def texts(self) -> list[str]:
        return _BYTE_TEXT + super().texts()


_BYTE_TEXT = [chr(i) if i else "" for i in range(256)]


class PatternCoder:
    """The site patterns of a pass, counted as rows of codes until `flush`.

    Why: turning each block's distinct patterns into Python tuples cost more than finding
    them. Here a block's distinct rows (CHROM, REF, ALT, GT of every sample, as stable
    codes) and their counts are only kept; `flush` counts the rows of all blocks together
    and builds one tuple per distinct pattern of the whole pass.
    """

    def __init__(self) -> None:
        self.chroms: dict[str, int] = {}
        self.alleles = AlleleCoder()
        self.gts = StableCoder()
        self._rows: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self._held = 0

    def add(self, rows: list[np.ndarray], counts: np.ndarray) -> None:
        self._rows.append(np.stack(rows, axis=1))
        self._counts.append(counts)
        self._held += counts.size
        if self._held > 4_000_000:  # bound the memory held: count what is held into one
            self._compact()

    def _compact(self) -> tuple[list[np.ndarray], np.ndarray]:
        if not self._rows:
            return [], np.empty(0, np.int64)
        m = np.concatenate(self._rows)
        c = np.concatenate(self._counts)
        radices = [int(m[:, j].max()) + 1 for j in range(m.shape[1])]
        cols, counts = _count_rows([m[:, j] for j in range(m.shape[1])], radices, c)
        self._rows, self._counts = [np.stack(cols, axis=1)], [counts]
        self._held = counts.size
        return cols, counts

    def flush(self, patterns: Counter) -> None:
        """Add the held patterns to `patterns` (string-keyed, like the per-line path's)."""
        cols, counts = self._compact()
        self._rows, self._counts, self._held = [], [], 0
        if not cols:
            return
        chroms = np.array(list(self.chroms), dtype=object)
        alleles = np.array(self.alleles.texts(), dtype=object)
        gts = np.array(self.gts.texts(), dtype=object)
        keys = zip(
            chroms[cols[0]].tolist(),
            alleles[cols[1]].tolist(),
            alleles[cols[2]].tolist(),
            *[gts[col].tolist() for col in cols[3:]],
            strict=True,
        )
        # the tuples and the dict are built in C; only the smaller side is added in Python
        fresh = dict(zip(keys, counts.tolist(), strict=True))
        if len(patterns) < len(fresh):
            fresh, held = dict(patterns), fresh
            patterns.clear()
            patterns.update(held)  # an empty Counter takes a dict whole
        for key, k in fresh.items():
            patterns[key] += k


def _count_rows(
    parts: list[np.ndarray], radices: list[int], weights: np.ndarray | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the code columns `parts` and how often each occurs (each row
    counting `weights[i]` times, if given).

    The columns are combined into one mixed-radix int64 key, sorted, and the distinct keys
    decoded back into columns; when the radices would overflow int64 (very many samples),
    np.unique over the row matrix does the same job more slowly.
    """
    total = 1
    for r in radices:
        total *= max(r, 1)
    if total >= _LIMIT:
        uniq, inv = np.unique(np.stack(parts, axis=1), axis=0, return_inverse=True)
        w = np.ones(inv.size, np.int64) if weights is None else weights
        counts = np.bincount(inv.ravel(), weights=w, minlength=len(uniq)).astype(np.int64)
        return [uniq[:, j] for j in range(uniq.shape[1])], counts
    key = parts[0].astype(np.int64)
    for part, radix in zip(parts[1:], radices[1:], strict=True):
        key *= radix
        key += part
    if weights is None:
        key.sort()
        starts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1))
        counts = np.diff(np.append(starts, key.size))
    else:
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1))
        counts = np.add.reduceat(weights[order], starts)
    v = key[starts]
    cols = []
    for radix in reversed(radices[1:]):
        v, c = np.divmod(v, radix)
        cols.append(c)
    cols.append(v)
    return cols[::-1], counts


# ---------------------------------------------------------------------------------------
# the compiled scan

#: `_scan` results: the block is counted, or handed to the per-line path.
OK, DECLINE = 0, 1
#: Byte classes for the scan: 1 ends a field (tab, newline), 2 sends the block to the
#: per-line path (NUL, non-ASCII), 3 may start `|HIGH|` or `|MODERATE|`, 4 ends a subfield.
_CLASS = np.zeros(256, np.uint8)
_CLASS[[9, 10]] = 1
_CLASS[0] = 2
_CLASS[128:] = 2
_CLASS[ord("|")] = 3
_CLASS[ord(":")] = 4
_HIGH = np.frombuffer(b"HIGH|", np.uint8)
_MODERATE = np.frombuffer(b"MODERATE|", np.uint8)


@njit(cache=True, nogil=True)
def _lines(a):
    """Newlines in `a` (a vectorised loop: faster than bytes.count)."""
    n = 0
    for x in a:
        n += x == 10
    return n


@njit(cache=True, nogil=True)
def _word_at(a, s, n):
    """Bytes s..s+min(n, 8)-1 of `a` as a little-endian uint64 (zero beyond the field)."""
    w = np.uint64(0)
    for k in range(min(n, 8)):
        w |= np.uint64(a[s + k]) << np.uint64(8 * k)
    return w


@njit(cache=True, nogil=True)
def _same(a, s1, s2, n):
    for k in range(n):
        if a[s1 + k] != a[s2 + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _follows(a, p, end, pat):
    """Whether `pat` starts at a[p] and ends before `end`."""
    if p + pat.size > end:
        return False
    for k in range(pat.size):
        if a[p + k] != pat[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _scan(a, n, nsamp, cls, high, moderate):  # noqa: C901 - one pass, one loop: kept together
    """Tokenise a block of `n` complete lines in one pass over its bytes.

    Returns (status, line_start[n + 1], chrom_run[n] (the record starts a new CHROM),
    ref_s, ref_l, alt_s, alt_l, ref_w, alt_w, gt_s[n, nsamp], gt_l, gt_w, dp[n, nsamp]
    (-1 = absent or `.`), no_gt[n], hit[n]). `hit` marks a line holding `|HIGH|` or
    `|MODERATE|` (a candidate for tiering, found in the same pass). Status DECLINE: a
    byte, column or subfield this path does not take verbatim (non-ASCII or NUL, a wrong
    column count, an empty column, a sample whose subfield count differs from FORMAT,
    depth from AD only, a depth that is not at most 8 plain digits or `.`).
    """
    ncol = 9 + nsamp if nsamp else 8
    size = a.size
    ls = np.empty(n + 1, np.int64)
    chrom_run = np.zeros(n, np.bool_)
    ref_s = np.empty(n, np.int64)
    ref_l = np.empty(n, np.int64)
    alt_s = np.empty(n, np.int64)
    alt_l = np.empty(n, np.int64)
    ref_w = np.empty(n, np.uint64)
    alt_w = np.empty(n, np.uint64)
    gt_s = np.zeros((n, nsamp), np.int64)
    gt_l = np.zeros((n, nsamp), np.int64)
    gt_w = np.zeros((n, nsamp), np.uint64)
    dp = np.full((n, nsamp), -1, np.int64)
    no_gt = np.zeros(n, np.bool_)
    hit = np.zeros(n, np.bool_)
    out = (
        ls,
        chrom_run,
        ref_s,
        ref_l,
        alt_s,
        alt_l,
        ref_w,
        alt_w,
        gt_s,
        gt_l,
        gt_w,
        dp,
        no_gt,
        hit,
    )
    pc_s, pc_l = -1, -1  # previous CHROM
    pf_s, pf_l = -1, -1  # previous FORMAT
    gi, di, nf = -1, -1, 0
    p = 0
    i = 0
    while p < size:
        if i >= n:
            return DECLINE, out
        ls[i] = p
        for col in range(ncol):
            s = p
            if col < 9:
                while True:
                    k = cls[a[p]]
                    if k == 1:
                        break
                    if k == 2:
                        return DECLINE, out
                    if k == 3 and (
                        _follows(a, p + 1, size, high) or _follows(a, p + 1, size, moderate)
                    ):
                        hit[i] = True
                    p += 1
                e = p
                if e == s:
                    return DECLINE, out
                if col == 0:
                    if e - s != pc_l or not _same(a, s, pc_s, e - s):
                        chrom_run[i] = True
                        pc_s, pc_l = s, e - s
                elif col == 3:
                    ref_s[i], ref_l[i], ref_w[i] = s, e - s, _word_at(a, s, e - s)
                elif col == 4:
                    alt_s[i], alt_l[i], alt_w[i] = s, e - s, _word_at(a, s, e - s)
                elif col == 8:
                    if e - s != pf_l or not _same(a, s, pf_s, e - s):
                        pf_s, pf_l = s, e - s
                        gi, di, nf = -1, -1, 0
                        ad = -1
                        k0 = s
                        for q in range(s, e + 1):
                            if q == e or a[q] == 58:
                                if q - k0 == 2:
                                    x, y = a[k0], a[k0 + 1]
                                    if x == 71 and y == 84 and gi < 0:  # GT
                                        gi = nf
                                    elif x == 68 and y == 80 and di < 0:  # DP
                                        di = nf
                                    elif x == 65 and y == 68 and ad < 0:  # AD
                                        ad = nf
                                nf += 1
                                k0 = q + 1
                        if di < 0 and ad >= 0:
                            return DECLINE, out  # depth from AD: the per-line path sums it
                    if gi < 0:
                        no_gt[i] = True
            else:
                j = col - 9
                sf = 0
                k0 = p
                while True:
                    k = cls[a[p]]
                    if k == 1 or k == 4:
                        if sf == gi:
                            ln = p - k0
                            gt_s[i, j], gt_l[i, j] = k0, ln
                            gt_w[i, j] = _word_at(a, k0, ln)
                        elif sf == di:
                            ln = p - k0
                            if ln == 1 and a[k0] == 46:  # '.'
                                pass
                            elif ln > 8:
                                return DECLINE, out
                            elif ln > 0:
                                v = 0
                                for q in range(k0, p):
                                    d = a[q] - 48
                                    if d < 0 or d > 9:
                                        return DECLINE, out
                                    v = v * 10 + d
                                dp[i, j] = v
                        if k == 1:
                            break
                        sf += 1
                        k0 = p + 1
                    elif k == 2:
                        return DECLINE, out
                    elif k == 3 and (
                        _follows(a, p + 1, size, high) or _follows(a, p + 1, size, moderate)
                    ):
                        hit[i] = True
                    p += 1
                if p == s or sf + 1 != nf:
                    return DECLINE, out
            # the column ends in a tab, the last one in the line's newline
            if (a[p] == 10) != (col == ncol - 1):
                return DECLINE, out
            p += 1
        i += 1
    if i != n:
        return DECLINE, out
    ls[n] = size
    return OK, out


def count_block(
    buf: bytes,
    nsamp: int,
    patterns: Counter,
    dp_sum: list[int],
    dp_n: list[int],
    coder: PatternCoder,
    seen: set[str] | None = None,
    hits: list[tuple[int, int, int]] | None = None,
) -> int | None:
    """Count the records of `buf` (complete data lines, each ending in a newline) into
    `patterns` (records of short alleles and GTs through `coder`, until its `flush`),
    `dp_sum` and `dp_n`, adding the CHROM names met to `seen` (if given, so a
    shard can prove its range holds only its contig) and, to `hits` (if given), the
    (record index, start, end) of every line holding `|HIGH|` or `|MODERATE|`. Returns the
    number of records, or None - having changed nothing - when the block needs the
    per-line path."""
    if not buf or buf[-1] != 10:
        return None
    a = np.frombuffer(buf, np.uint8)
    n = _lines(a)
    status, scanned = _scan(a, n, nsamp, _CLASS, _HIGH, _MODERATE)
    if status != OK:
        return None
    ls, chrom_run, ref_s, ref_l, alt_s, alt_l, ref_w, alt_w = scanned[:8]
    gt_s, gt_l, gt_w, dp, no_gt, hit = scanned[8:]
    ref_e, alt_e = ref_s + ref_l, alt_s + alt_l
    runs = np.flatnonzero(chrom_run)
    names = [buf[s : buf.index(b"\t", s)].decode("ascii") for s in ls[runs].tolist()]
    ids: dict[str, int] = {}
    run_ids = [ids.setdefault(x, len(ids)) for x in names]
    chroms = list(ids)
    chrom_id = np.repeat(np.array(run_ids, np.int64), np.diff(np.append(runs, n)))
    wide = (ref_l > 8) | (alt_l > 8)
    has_gt = ~no_gt
    if nsamp:
        wide |= (gt_l > 8).any(axis=1) | no_gt
        gt_e = gt_s + gt_l

    # ---- every check passed: from here on the block is counted
    if seen is not None:
        seen.update(chroms)
    if hits is not None:
        hits.extend((k, int(ls[k]), int(ls[k + 1]) - 1) for k in np.flatnonzero(hit).tolist())
    if nsamp:
        present = dp >= 0
        for j, (s, c) in enumerate(
            zip(
                np.where(present, dp, 0).sum(axis=0).tolist(),
                present.sum(axis=0).tolist(),
                strict=True,
            )
        ):
            dp_sum[j] += s
            dp_n[j] += c

    keep = np.flatnonzero(~wide)
    if keep.size:
        m = keep.size
        gchrom = np.array([coder.chroms.setdefault(c, len(coder.chroms)) for c in chroms])
        ra = coder.alleles.codes(np.concatenate((ref_w[keep], alt_w[keep])))
        parts = [gchrom[chrom_id[keep]], ra[:m], ra[m:]]
        radices = [len(coder.chroms), coder.alleles.radix, coder.alleles.radix]
        if nsamp:
            gt_code = coder.gts.codes(gt_w[keep].ravel()).reshape(m, nsamp)
            parts += [gt_code[:, j] for j in range(nsamp)]
            radices += [coder.gts.size] * nsamp
        coder.add(*_count_rows(parts, radices))

    # rows with a long allele or GT, or no GT at all: one by one (rare in real genomes)
    for i in np.flatnonzero(wide).tolist():
        key_ = (
            chroms[chrom_id[i]],
            buf[ref_s[i] : ref_e[i]].decode("ascii"),
            buf[alt_s[i] : alt_e[i]].decode("ascii"),
        )
        if nsamp and has_gt[i]:
            key_ += tuple(
                buf[s:e].decode("ascii")
                for s, e in zip(gt_s[i].tolist(), gt_e[i].tolist(), strict=True)
            )
        patterns[key_] += 1
    return n


def hit_lines(buf: bytes) -> list[tuple[int, int, int]]:
    """(record index, start, end) of the lines of `buf` holding `|HIGH|` or `|MODERATE|`,
    in order: what `count_block` reports, for a block it declined."""
    starts: set[int] = set()
    for needle in (b"|HIGH|", b"|MODERATE|"):
        p = buf.find(needle)
        while p >= 0:
            s = buf.rfind(b"\n", 0, p) + 1
            starts.add(s)
            e = buf.find(b"\n", p)
            p = buf.find(needle, e)
    out = []
    k = prev = 0
    for s in sorted(starts):
        k += buf.count(b"\n", prev, s)
        prev = s
        out.append((k, s, buf.index(b"\n", s)))
    return out


def warm_up() -> None:
    """Compile (or load from numba's on-disk cache) the block scan with the argument types
    a genome uses: `make setup` and the Docker image call it, so no nightly task pays the
    compile."""
    buf = (
        b"chr1\t10\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|MODERATE|X\tGT:DP\t0/1:7\n"
        b"chr1\t12\t.\tACGTACGTAC\tA\t50\tPASS\t.\tGT:DP\t1/1:.\n"
    )
    patterns: Counter = Counter()
    coder = PatternCoder()
    hits: list[tuple[int, int, int]] = []
    assert count_block(buf, 1, patterns, [0], [0], coder, None, hits) == 2
    coder.flush(patterns)
    assert sum(patterns.values()) == 2 and [k for k, _s, _e in hits] == [0]
