"""Tabix (.tbi) and tabix-style CSI indexes of BGZF files: reading the per-contig byte
ranges, and writing a .tbi while a VCF is written.

Reading gives each contig's [begin, end) virtual offsets and record count from htslib's
pseudo-bin (written by bgzip/tabix, bcftools index and pysam), which is what lets a summary
shard inflate exactly its contigs' bytes. Older indexes without the pseudo-bin give the
range of all chunks and no count. A CSI without contig names (a BCF's) is refused: BCF is
read through pysam.

Writing: `pysam.tabix_index` decompresses and re-parses the whole VCF, about a fifth of the
time it takes to write a genome. A writer already knows every record's contig, start, REF
length and byte offset, and `BgzfWriter` cuts blocks at fixed uncompressed sizes, so every
record's virtual offset is known too; the index follows from the tabix format (SAM/BAM
specification, "The tabix index format"): per contig, the UCSC binning scheme (min_shift 14,
depth 5) with one chunk per run of records in the same bin, and a 16 kb linear index of the
first virtual offset overlapping each window. htslib additionally merges chunks and compacts
small bins; those are read-time optimisations, not format requirements, and every htslib
reader (pysam, bcftools, tabix) accepts this index.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formats.bgzf import BLOCK_INPUT, BgzfError, BgzfWriter

# ---------------------------------------------------------------------------------------
# reading


@dataclass(frozen=True)
class IndexedContig:
    """One reference sequence of an index: its name, byte range and (if known) records."""

    name: str
    beg: int  # virtual offset of its first record
    end: int  # virtual offset just past its last record
    records: int | None  # from the htslib pseudo-bin; None when the index has none


def _ranges(data: bytes, pos: int, n_ref: int, csi: bool, meta_bin: int) -> list[tuple]:
    """(beg, end, n_records) per reference from the bins of a TBI/CSI body.

    The pseudo-bin gives the exact range and count; without it, the range spans every
    chunk of every bin and the count is unknown (None). A genome's index holds ~200,000
    bins, so the walk does one unpack per bin and reads chunks only when it must.
    """
    out = []
    head = struct.Struct("<IQi" if csi else "<Ii").unpack_from
    step = 16 if csi else 8
    i32 = struct.Struct("<i").unpack_from
    for _ in range(n_ref):
        (n_bin,) = i32(data, pos)
        pos += 4
        meta = None
        bins = []
        for _ in range(n_bin):
            h = head(data, pos)
            n_chunk = h[-1]
            if h[0] == meta_bin and n_chunk == 2:
                meta = struct.unpack_from("<3Q", data, pos + step)
            else:
                bins.append((pos + step, n_chunk))
            pos += step + 16 * n_chunk
        if meta is None:
            lo = hi = None
            for p, n_chunk in bins:
                if n_chunk:
                    chunks = struct.unpack_from(f"<{2 * n_chunk}Q", data, p)
                    b, e = min(chunks[0::2]), max(chunks[1::2])
                    lo = b if lo is None else min(lo, b)
                    hi = e if hi is None else max(hi, e)
            meta = (lo, hi, None)
        if not csi:
            (n_intv,) = i32(data, pos)
            pos += 4 + 8 * n_intv
        out.append(meta)
    return out


def read_index(path: str | os.PathLike) -> list[IndexedContig]:
    """Contigs with records, in file order, from a tabix (.tbi) or tabix-style CSI index.

    The byte range and record count come from htslib's pseudo-bin (written by bgzip/tabix,
    bcftools index and pysam); older indexes without it give the range of all chunks and no
    count. A CSI without contig names (a BCF's) is refused: BCF is read through pysam.
    """
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise BgzfError(f"cannot read index: {exc}") from exc
    try:
        magic = data[:4]
        if magic == b"TBI\x01":
            n_ref, _fmt, _cs, _cb, _ce, _meta, _skip, l_nm = struct.unpack_from("<8i", data, 4)
            names_raw = data[36 : 36 + l_nm]
            pos = 36 + l_nm
            ranges = _ranges(data, pos, n_ref, csi=False, meta_bin=37450)
        elif magic == b"CSI\x01":
            _min_shift, depth, l_aux = struct.unpack_from("<3i", data, 4)
            aux = data[16 : 16 + l_aux]
            if l_aux < 28:
                raise BgzfError("CSI index carries no contig names (a BCF index?)")
            (l_nm,) = struct.unpack_from("<i", aux, 24)
            names_raw = aux[28 : 28 + l_nm]
            pos = 16 + l_aux
            (n_ref,) = struct.unpack_from("<i", data, pos)
            meta_bin = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1
            ranges = _ranges(data, pos + 4, n_ref, csi=True, meta_bin=meta_bin)
        else:
            raise BgzfError("not a TBI or CSI index")
    except struct.error as exc:
        raise BgzfError(f"index is truncated: {exc}") from exc
    names = [n.decode() for n in names_raw.split(b"\0")[:n_ref]]
    if len(names) != n_ref:
        raise BgzfError(f"index names {len(names)} contigs but has {n_ref}")
    out = [
        IndexedContig(name, beg, end, nrec)
        for name, (beg, end, nrec) in zip(names, ranges, strict=True)
        if beg is not None and end is not None and end > beg
    ]
    return sorted(out, key=lambda c: c.beg)


# ---------------------------------------------------------------------------------------
# writing

MIN_SHIFT = 14
META_BIN = 37450  # htslib's pseudo-bin carrying per-contig offsets and record counts
TBI_FORMAT_VCF = 2


@dataclass
class ContigRecords:
    """Coordinates and uncompressed byte spans of one contig's records, in file order."""

    name: str
    beg: np.ndarray  # 0-based start
    end: np.ndarray  # 0-based exclusive end (start + len(REF))
    u_start: np.ndarray  # uncompressed offset of the line's first byte
    u_end: np.ndarray  # uncompressed offset just past the line's newline


def reg2bin(beg: np.ndarray, end: np.ndarray) -> np.ndarray:
    """UCSC bin of each [beg, end) (vectorised reg2bin of the SAM specification)."""
    end = end - 1
    out = np.zeros(beg.shape, dtype=np.int64)
    done = np.zeros(beg.shape, dtype=bool)
    for shift, offset in ((14, 4681), (17, 585), (20, 73), (23, 9), (26, 1)):
        same = ~done & ((beg >> shift) == (end >> shift))
        out[same] = offset + (beg[same] >> shift)
        done |= same
    return out


def virtual_offsets(u: np.ndarray, block_offsets: np.ndarray) -> np.ndarray:
    """BGZF virtual offsets of uncompressed positions (blocks hold BLOCK_INPUT bytes each)."""
    block = u // BLOCK_INPUT
    return (block_offsets[block].astype(np.uint64) << np.uint64(16)) | (u % BLOCK_INPUT).astype(
        np.uint64
    )


def _end_offsets(u_end: np.ndarray, block_offsets: np.ndarray) -> np.ndarray:
    """Virtual offset just past a record, as bgzf_tell reports it after reading the line."""
    last = u_end - 1
    block = last // BLOCK_INPUT
    return (block_offsets[block].astype(np.uint64) << np.uint64(16)) | (
        last % BLOCK_INPUT + 1
    ).astype(np.uint64)


def _contig_index(rec: ContigRecords, block_offsets: np.ndarray) -> bytes:
    starts = virtual_offsets(rec.u_start, block_offsets)
    ends = _end_offsets(rec.u_end, block_offsets)
    bins = reg2bin(rec.beg, rec.end)
    # Chunks: runs of consecutive records that share a bin, grouped by bin (stable, so each
    # bin's chunks stay in file order).
    cut = np.flatnonzero(np.diff(bins)) + 1
    first = np.concatenate(([0], cut))
    last = np.concatenate((cut - 1, [bins.size - 1]))
    run_bin = bins[first]
    order = np.argsort(run_bin, kind="stable")
    run_bin, c_beg, c_end = run_bin[order], starts[first][order], ends[last][order]
    uniq, idx, counts = np.unique(run_bin, return_index=True, return_counts=True)
    out = bytearray()
    out += struct.pack("<i", uniq.size + 1)
    for b, i, k in zip(uniq.tolist(), idx.tolist(), counts.tolist(), strict=True):
        out += struct.pack("<Ii", b, k)
        pairs = np.empty((k, 2), dtype="<u8")
        pairs[:, 0], pairs[:, 1] = c_beg[i : i + k], c_end[i : i + k]
        out += pairs.tobytes()
    out += struct.pack("<Ii", META_BIN, 2)
    out += struct.pack("<QQQQ", int(starts[0]), int(ends[-1]), rec.beg.size, 0)
    # Linear index: first record offset overlapping each 16 kb window, gaps filled from the
    # next window (valid offsets never decrease along a sorted file).
    w_lo = rec.beg >> MIN_SHIFT
    w_hi = (rec.end - 1) >> MIN_SHIFT
    n_intv = int(w_hi.max()) + 1
    sentinel = np.uint64(0xFFFFFFFFFFFFFFFF)
    ioff = np.full(n_intv, sentinel, dtype=np.uint64)
    np.minimum.at(ioff, w_lo, starts)
    span = np.flatnonzero(w_hi > w_lo)
    for i in span.tolist():
        w = np.arange(w_lo[i] + 1, w_hi[i] + 1)
        ioff[w] = np.minimum(ioff[w], starts[i])
    ioff = np.minimum.accumulate(ioff[::-1])[::-1]
    out += struct.pack("<i", n_intv)
    out += ioff.astype("<u8").tobytes()
    return bytes(out)


def write_tbi(path: Path | str, contigs: Sequence[ContigRecords], block_offsets: Sequence[int]):
    """Write the .tbi for a VCF whose records are `contigs` (non-empty, in file order)."""
    blocks = np.asarray(block_offsets, dtype=np.int64)
    present = [c for c in contigs if c.beg.size]
    names = b"".join(c.name.encode() + b"\0" for c in present)
    out = bytearray(b"TBI\1")
    out += struct.pack("<iiiiiiii", len(present), TBI_FORMAT_VCF, 1, 2, 0, ord("#"), 0, len(names))
    out += names
    for c in present:
        out += _contig_index(c, blocks)
    out += struct.pack("<Q", 0)  # records without coordinates
    with BgzfWriter(path, level=1, threads=1) as fh:
        fh.write(bytes(out))
