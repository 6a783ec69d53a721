"""Counting a genome's records into distinct site patterns: the one pass over the bytes.

Why this shape: a Python loop that does real work per record is far slower than htslib, so
no record gets a Python statement of its own. The file arrives in multi-megabyte blocks of
complete lines (formats.vcf), and each block is counted by numpy (variants.fastcount) into
*distinct site patterns*: the key (contig, REF, ALT, genotype strings of every sample) goes
into one Counter, and FORMAT/DP is summed per sample. Everything bcftools derives is a pure
function of that key (variants.tally), so it is computed once per distinct key and
multiplied by its count. A block the vectorised counter cannot take verbatim (odd columns,
AD-only depth, bad bytes) is counted line by line (`_count_lines`) with identical results,
and errors there name the file line.
"""

from __future__ import annotations

import os
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.reasons import FileReason
from formats.vcf import VcfError
from variants.candidates import CandidateScan
from variants.fastcount import PatternCoder, count_block, hit_lines

#: Records per progress report.
CHUNK = 250_000


@dataclass
class RawCounts:
    """What one pass (or one shard) returns: pattern counts plus per-sample depth sums.

    Pattern keys are `(contig, ref, alt, gt_1, ..., gt_n)` with the raw GT strings, or
    `(contig, ref, alt)` for a record without GT (and for sites-only files).
    """

    patterns: Counter = field(default_factory=Counter)
    dp_sum: list[int] = field(default_factory=list)
    dp_n: list[int] = field(default_factory=list)
    records: int = 0

    def merge(self, other: RawCounts) -> None:
        self.patterns.update(other.patterns)
        if not self.dp_sum:
            self.dp_sum = [0] * len(other.dp_sum)
            self.dp_n = [0] * len(other.dp_n)
        for i, v in enumerate(other.dp_sum):
            self.dp_sum[i] += v
            self.dp_n[i] += other.dp_n[i]
        self.records += other.records


def _format_layout(fmt: str) -> tuple[int | None, int | None, bool]:
    """(GT index, depth index, depth_is_AD) for a FORMAT string."""
    keys = fmt.split(":")
    gi = keys.index("GT") if "GT" in keys else None
    if "DP" in keys:
        return gi, keys.index("DP"), False
    if "AD" in keys:
        return gi, keys.index("AD"), True
    return gi, None, False


def _count_lines(buf: bytes, nsamp: int, out: RawCounts, where, seen: set | None) -> int:
    """The per-line path for a block the vectorised counter declined: it accepts every
    well-formed record and rejects the rest, naming the line (`where(k)` gives the location
    of the block's k-th line)."""
    try:
        text = buf.decode("utf-8")
    except UnicodeDecodeError as exc:
        k = buf.count(b"\n", 0, exc.start)
        raise VcfError(*where(k, "not UTF-8 text")) from exc
    lines = text.split("\n")
    lines.pop()  # the block ends with a newline
    if seen is not None:
        seen.update(line.split("\t", 1)[0] for line in lines)
    patterns, dp_sum, dp_n = out.patterns, out.dp_sum, out.dp_n
    ncol = 9 + nsamp
    layouts: dict[str, tuple[int | None, int | None, bool]] = {}
    for k, line in enumerate(lines):
        try:
            f = line.split("\t")
            if "" in f:
                raise ValueError(f"empty column {f.index('') + 1}")
            if not nsamp:
                if len(f) < 8:
                    raise ValueError(f"{len(f)} columns, expected at least 8")
                patterns[(f[0], f[3], f[4])] += 1
                continue
            if len(f) != ncol:
                raise ValueError(f"{len(f)} columns, expected {ncol}")
            lay = layouts.get(f[8])
            if lay is None:
                lay = layouts[f[8]] = _format_layout(f[8])
            gi, di, is_ad = lay
            g = []
            for j in range(nsamp):
                p = f[9 + j].split(":")
                if gi is not None:
                    g.append(p[gi] if gi < len(p) else "")
                if di is not None and di < len(p):
                    d = p[di]
                    if is_ad:
                        vals = [int(x) for x in d.split(",") if x != "." and x != ""]
                        if vals:
                            dp_sum[j] += sum(vals)
                            dp_n[j] += 1
                    elif d != "." and d != "":
                        v = int(d)
                        if v < 0:
                            raise ValueError(f"negative FORMAT/DP {v}")
                        dp_sum[j] += v
                        dp_n[j] += 1
            patterns[(f[0], f[3], f[4], *g) if gi is not None else (f[0], f[3], f[4])] += 1
        except (ValueError, IndexError) as exc:
            raise VcfError(*where(k, f"malformed record: {exc}")) from exc
    return len(lines)


def count_blocks(
    path: str | os.PathLike,
    blocks: Iterable[bytes],
    nsamp: int,
    progress: bool = False,
    header_lines: int | None = None,
    shard: str | None = None,
    out: RawCounts | None = None,
    seen: set[str] | None = None,
    candidates: CandidateScan | None = None,
) -> RawCounts:
    """One pass over blocks of data lines, counting distinct site patterns.

    Each block goes through the vectorised counter (variants._fastcount), which
    handles well-formed records without a Python statement per line; a block it declines
    is re-read line by line by `_count_lines`, with identical results. With `candidates`,
    the lines the block scan found holding a HIGH/MODERATE annotation are handed to it, so
    tiering's candidates come out of the same pass. Errors name the file line when the
    whole text file is read (`header_lines` given), else the record number within the shard.
    """
    if out is None:
        out = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
    coder = PatternCoder()
    n = 0
    next_report = CHUNK
    t0 = time.monotonic()
    it = iter(blocks)

    def where(k: int, reason: str) -> tuple:
        if header_lines is not None:
            return path, reason, header_lines + n + k + 1
        inside = f" of contig {shard}" if shard else ""
        return path, f"record {n + k + 1:,}{inside}: {reason}"

    while True:
        try:
            buf = next(it, None)
        except (OSError, EOFError, zlib.error, ValueError) as exc:
            # (pysam reports a BGZF block cut short as ValueError "iteration failed")
            raise VcfError(
                path,
                f"unreadable after record {n:,} (truncated or corrupt): {exc}",
                code=FileReason.UNREADABLE_GZIP,
            ) from exc
        if buf is None:
            break
        hits: list[tuple[int, int, int]] | None = [] if candidates is not None else None
        got = count_block(buf, nsamp, out.patterns, out.dp_sum, out.dp_n, coder, seen, hits)
        if got is None:
            got = _count_lines(buf, nsamp, out, where, seen)
            if candidates is not None:
                hits = hit_lines(buf)
        if hits:
            candidates.take(buf, hits, where)
        n += got
        if progress and n >= next_report:
            next_report += CHUNK
            rate = n / max(time.monotonic() - t0, 1e-9)
            print(f"  {n:,} records ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    coder.flush(out.patterns)
    out.records += n
    return out
