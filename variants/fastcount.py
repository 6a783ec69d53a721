"""Count the site patterns of a block of VCF data lines with numpy, touching no line in Python.

Why: a Python loop costs about a microsecond per record per statement, so even a lean
per-line loop (split, slice, tuple, Counter) spent ~5 CPU-seconds per million records, three
times bcftools. Here a whole multi-megabyte block of complete lines is one uint8 array:
the positions of every tab, newline and colon give each record's columns and each sample's
FORMAT subfields; CHROM, REF, ALT and every GT (each at most 8 bytes) are packed into
uint64 words, densely recoded and combined into one integer key per record, and np.unique
counts the keys. Python then runs only once per *distinct* pattern of the block (a few
hundred to a few thousand per 20,000 records). FORMAT/DP is parsed digit by digit as
vectors and summed per sample.

The result is exactly what the per-line path produces: the same Counter keys
`(chrom, ref, alt, gt_1, ..., gt_n)` (or `(chrom, ref, alt)` when a record has no GT) and
the same depth sums. Anything this path does not handle verbatim - a wrong column count,
an empty column, a sample whose subfield count differs from FORMAT, depth from AD only, a
depth that is not plain digits or `.`, non-ASCII bytes - makes `count_block` return None
before changing anything, and the caller runs the per-line path on that block, which
accepts or rejects it with the file line number. Records with an allele or GT longer than
8 bytes (long indels, many-allele genotypes) are counted in Python one by one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

_LIMIT = 1 << 62  # mixed-radix keys stay below this, so int64 arithmetic cannot overflow
_PAD = bytes(8)
#: MASK[k] keeps the first k bytes of a little-endian uint64.
_MASK = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def _windows(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The block as uint8 array, and as overlapping little-endian uint64 windows:
    win[p] holds bytes p..p+7, so any field of up to 8 bytes is one gather and one mask."""
    a = np.frombuffer(buf + _PAD, np.uint8)
    win = np.ndarray(shape=(len(buf) + 1,), dtype="<u8", buffer=a, strides=(1,))
    return a[: len(buf)], win


def _word(win: np.ndarray, start: np.ndarray, length: np.ndarray, k: int = 0) -> np.ndarray:
    """Bytes 8k..8k+7 of each field (start, length) as a uint64, zero beyond the field.

    Zero padding is unambiguous because the block holds no NUL byte.
    """
    rest = np.clip(length - 8 * k, 0, 8)
    idx = np.minimum(start + 8 * k, win.size - 1) if k else start
    return win[idx] & _MASK[rest]


def _decode_words(words: np.ndarray) -> list[str]:
    """uint64 words from _word back to strings (NUL padding dropped by the S8 view)."""
    return [b.decode("ascii") for b in words.view("S8").tolist()]


class WordCoder:
    """Dense codes for the GT words of a file, remembered from block to block.

    A genome has a few dozen distinct GT strings, so after the first block every word is
    found by a binary search in a tiny sorted table instead of a sort of every GT of the
    block. Codes are positions in `known` (valid until the next call adds words).
    """

    def __init__(self) -> None:
        self.known = np.empty(0, np.uint64)

    def codes(self, words: np.ndarray) -> np.ndarray:
        if self.known.size:
            pos = np.searchsorted(self.known, words)
            np.minimum(pos, self.known.size - 1, out=pos)
            miss = self.known[pos] != words
            if not miss.any():
                return pos
            words_new = words[miss]
        else:
            words_new = words
        self.known = np.union1d(self.known, words_new)
        return np.searchsorted(self.known, words)


def _allele_codes(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes for REF/ALT words: a single byte (SNV alleles, most records) is its own code
    0-255; longer alleles get 256 + their rank among this block's distinct longer ones, so
    only those (~15%) are sorted. Returns (codes, distinct longer words)."""
    single = words < 256
    codes = words.astype(np.int64)
    if single.all():
        return codes, np.empty(0, np.uint64)
    multi, inv = np.unique(words[~single], return_inverse=True)
    codes[~single] = inv + 256
    return codes, multi


def _allele_text(multi: np.ndarray):
    """Decoder for _allele_codes' codes."""
    longer = _decode_words(multi)

    def text(code: int) -> str:
        return _BYTE_TEXT[code] if code < 256 else longer[code - 256]

    return text


_BYTE_TEXT = [chr(i) if i else "" for i in range(256)]


def _count_rows(parts: list[np.ndarray], radices: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the code columns `parts` and how often each occurs.

    The columns are combined into one mixed-radix int64 key, sorted, and the distinct keys
    decoded back into columns; when the radices would overflow int64 (very many samples),
    np.unique over the row matrix does the same job more slowly.
    """
    total = 1
    for r in radices:
        total *= max(r, 1)
    if total >= _LIMIT:
        uniq, counts = np.unique(np.stack(parts, axis=1), axis=0, return_counts=True)
        return [uniq[:, j] for j in range(uniq.shape[1])], counts
    key = parts[0].astype(np.int64)
    for part, radix in zip(parts[1:], radices[1:], strict=True):
        key *= radix
        key += part
    key.sort()
    starts = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1))
    counts = np.diff(np.append(starts, key.size))
    v = key[starts]
    cols = []
    for radix in reversed(radices[1:]):
        v, c = np.divmod(v, radix)
        cols.append(c)
    cols.append(v)
    return cols[::-1], counts


def _runs(win: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """Row indices where a field's value differs from the previous row's (row 0 included).

    For CHROM and FORMAT, which change rarely within a block. None if a value is implausibly
    long (over 256 bytes), which sends the block to the per-line path.
    """
    length = end - start
    width = int(length.max())
    if width > 256:
        return None
    change = length[1:] != length[:-1]
    for k in range((width + 7) // 8):
        w = _word(win, start, length, k)
        change |= w[1:] != w[:-1]
    return np.concatenate(([0], np.flatnonzero(change) + 1))


def _digits(win: np.ndarray, start: np.ndarray, length: np.ndarray) -> tuple | None:
    """Parse unsigned decimal fields as vectors: (values, present) or None if any field
    is not plain digits (at most 8), `.` or empty (the per-line path then decides)."""
    width = int(length.max()) if length.size else 0
    if width > 8:
        return None
    values = np.zeros(length.shape, np.int64)
    if width == 0:
        return values, np.zeros(length.shape, bool)
    m = _word(win, start, length).view(np.uint8).reshape(-1, 8)[:, :width].astype(np.int64)
    m -= 48  # '0' -> 0
    ar = np.arange(width)
    inside = ar < length[:, None]
    missing = (length == 1) & (m[:, 0] == ord(".") - 48)
    bad = inside & ((m < 0) | (m > 9))
    bad[missing] = False
    if bad.any():
        return None
    for k in range(width):
        values = np.where(k < length, values * 10 + m[:, k], values)
    present = (length > 0) & ~missing
    return values, present


def _format_keys(fmt: str) -> tuple[int, int, int] | None:
    """(GT index, DP index, field count) of a FORMAT string, -1 when absent; None when depth
    would come from AD (summed per sample: left to the per-line path)."""
    keys = fmt.split(":")
    gi = keys.index("GT") if "GT" in keys else -1
    if "DP" in keys:
        return gi, keys.index("DP"), len(keys)
    if "AD" in keys:
        return None
    return gi, -1, len(keys)


def count_block(
    buf: bytes,
    nsamp: int,
    patterns: Counter,
    dp_sum: list[int],
    dp_n: list[int],
    coder: WordCoder,
    seen: set[str] | None = None,
) -> int | None:
    """Count the records of `buf` (complete data lines, each ending in a newline) into
    `patterns`, `dp_sum` and `dp_n`, adding the CHROM names met to `seen` (if given, so a
    shard can prove its range holds only its contig). Returns the number of records, or
    None - having changed nothing - when the block needs the per-line path."""
    if not buf.isascii() or b"\0" in buf:
        return None
    a, win = _windows(buf)
    nl = np.flatnonzero(a == 10)
    n = nl.size
    if n == 0 or nl[-1] != a.size - 1:
        return None
    ncol = 9 + nsamp if nsamp else 8
    tabs = np.flatnonzero(a == 9)
    if tabs.size != n * (ncol - 1):
        return None
    t = tabs.reshape(n, ncol - 1)
    ls = np.empty(n, np.int64)
    ls[0] = 0
    ls[1:] = nl[:-1] + 1
    # each row's tabs lie inside its own line, so every line has exactly ncol columns;
    # and no column is empty (htslib rejects those: the per-line path names the line)
    if (t[:, 0] <= ls).any() or (t[:, -1] >= nl - 1).any() or (np.diff(t, axis=1) == 1).any():
        return None

    # CHROM: runs of equal names (a block usually holds one contig)
    chrom_start, chrom_end = ls, t[:, 0]
    runs = _runs(win, chrom_start, chrom_end)
    if runs is None:
        return None
    names = [buf[chrom_start[i] : chrom_end[i]].decode("ascii") for i in runs.tolist()]
    ids: dict[str, int] = {}
    run_ids = [ids.setdefault(x, len(ids)) for x in names]
    chroms = list(ids)
    chrom_id = np.repeat(np.array(run_ids, np.int64), np.diff(np.append(runs, n)))

    ref_s, ref_e = t[:, 2] + 1, t[:, 3]
    alt_s, alt_e = t[:, 3] + 1, t[:, 4]
    ref_l, alt_l = ref_e - ref_s, alt_e - alt_s
    wide = (ref_l > 8) | (alt_l > 8)

    has_gt = np.ones(n, bool)
    if nsamp:
        gt_s = np.empty((n, nsamp), np.int64)
        gt_e = np.empty((n, nsamp), np.int64)
        dp_s = np.zeros((n, nsamp), np.int64)
        dp_e = np.zeros((n, nsamp), np.int64)  # length 0 = no depth
        samp_s = t[:, 8:] + 1  # start of each sample column
        samp_e = np.empty((n, nsamp), np.int64)
        samp_e[:, :-1] = t[:, 9:]
        samp_e[:, -1] = nl
        colons = np.flatnonzero(a == 58)
        # index of the first colon at or after each sample start; no colon sits on the tab
        # between samples, so consecutive indices count each sample's colons
        first = np.searchsorted(colons, samp_s)
        after = np.empty_like(first)
        after[:, :-1] = first[:, 1:]
        after[:, -1] = np.searchsorted(colons, nl)
        n_colon = after - first
        fmt_s, fmt_e = t[:, 7] + 1, t[:, 8]
        fruns = _runs(win, fmt_s, fmt_e)
        if fruns is None:
            return None
        bounds = np.append(fruns, n).tolist()
        for r0, r1 in zip(bounds[:-1], bounds[1:], strict=True):
            layout = _format_keys(buf[fmt_s[r0] : fmt_e[r0]].decode("ascii"))
            if layout is None:
                return None
            gi, di, nf = layout
            rows = slice(r0, r1)
            if (n_colon[rows] != nf - 1).any():
                return None  # dropped trailing subfields, or more than FORMAT declares
            f0 = first[rows]
            if gi < 0:
                has_gt[rows] = False
                gt_s[rows] = gt_e[rows] = 0
            else:
                gt_s[rows] = samp_s[rows] if gi == 0 else colons[f0 + gi - 1] + 1
                gt_e[rows] = colons[f0 + gi] if gi < nf - 1 else samp_e[rows]
            if di >= 0:
                dp_s[rows] = samp_s[rows] if di == 0 else colons[f0 + di - 1] + 1
                dp_e[rows] = colons[f0 + di] if di < nf - 1 else samp_e[rows]
        gt_l = gt_e - gt_s
        wide |= (gt_l > 8).any(axis=1) | ~has_gt
        depth = _digits(win, dp_s.ravel(), (dp_e - dp_s).ravel())
        if depth is None:
            return None
        dp_val, dp_ok = depth
        dp_val = np.where(dp_ok, dp_val, 0).reshape(n, nsamp)
        dp_cnt = dp_ok.reshape(n, nsamp)

    # ---- every check passed: from here on the block is counted
    if seen is not None:
        seen.update(chroms)
    if nsamp:
        for j, (s, c) in enumerate(
            zip(dp_val.sum(axis=0).tolist(), dp_cnt.sum(axis=0).tolist(), strict=True)
        ):
            dp_sum[j] += s
            dp_n[j] += c

    keep = np.flatnonzero(~wide)
    if keep.size:
        m = keep.size
        ra_code, ra_multi = _allele_codes(
            np.concatenate(
                (_word(win, ref_s[keep], ref_l[keep]), _word(win, alt_s[keep], alt_l[keep]))
            )
        )
        parts = [chrom_id[keep], ra_code[:m], ra_code[m:]]
        radices = [len(chroms), 256 + ra_multi.size, 256 + ra_multi.size]
        if nsamp:
            gt_code = coder.codes(_word(win, gt_s[keep].ravel(), gt_l[keep].ravel()))
            gt_code = gt_code.reshape(m, nsamp)
            parts += [gt_code[:, j] for j in range(nsamp)]
            radices += [coder.known.size] * nsamp
        rows, counts = _count_rows(parts, radices)
        ra_text = _allele_text(ra_multi)
        cid, rc, ac = rows[0].tolist(), rows[1].tolist(), rows[2].tolist()
        if nsamp:
            gt_words = coder.known
            used = np.unique(np.concatenate(rows[3:]))
            gt_text = dict(zip(used.tolist(), _decode_words(gt_words[used]), strict=True))
            gts = np.stack(rows[3:], axis=1).tolist()
            for c, r, al, g, k in zip(cid, rc, ac, gts, counts.tolist(), strict=True):
                patterns[(chroms[c], ra_text(r), ra_text(al), *[gt_text[x] for x in g])] += k
        else:
            for c, r, al, k in zip(cid, rc, ac, counts.tolist(), strict=True):
                patterns[(chroms[c], ra_text(r), ra_text(al))] += k

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
