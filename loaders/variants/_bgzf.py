"""BGZF block inflation between virtual offsets, and the per-contig ranges of a .tbi/.csi.

Why not pysam: `TabixFile.fetch` hands back one Python string per record (about a
microsecond each before any counting starts), and `BGZFile` cannot stop at a virtual
offset. Reading the BGZF blocks directly lets a shard worker inflate exactly the bytes of its
contigs ([off_beg, off_end) from the index's pseudo-bin) and hand them to the block counter
in multi-megabyte pieces; zlib.decompress is the same inflater htslib uses, so this costs
no more CPU than htslib's own reader.

Formats: SAM/BAM specification section 4.1 (BGZF) and 5.2 (BAI/CSI binning, pseudo-bin),
tabix specification (TBI header). Everything here raises `BgzfError` (an OSError) with the
byte offset at fault; callers turn it into a VcfError naming the file.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

#: Compressed bytes read from disk at a time.
_READ = 1 << 22


class BgzfError(OSError):
    """A BGZF stream or index that cannot be read as one (truncated, corrupt, not BGZF)."""


def _block_size(buf: bytes | memoryview, pos: int) -> int:
    """Total size of the BGZF block starting at `pos` (BSIZE + 1), from its BC subfield."""
    if buf[pos] != 0x1F or buf[pos + 1] != 0x8B or buf[pos + 2] != 8 or not buf[pos + 3] & 4:
        raise BgzfError(f"no BGZF block header at byte {pos:,}")
    xlen = buf[pos + 10] | (buf[pos + 11] << 8)
    p, end = pos + 12, pos + 12 + xlen
    while p + 4 <= end:
        slen = buf[p + 2] | (buf[p + 3] << 8)
        if buf[p] == 66 and buf[p + 1] == 67 and slen == 2:  # 'B' 'C'
            return (buf[p + 4] | (buf[p + 5] << 8)) + 1
        p += 4 + slen
    raise BgzfError(f"gzip member at byte {pos:,} has no BGZF 'BC' field (plain gzip?)")


def inflate_range(
    path: str | os.PathLike, start: int = 0, end: int | None = None, size: int = 1 << 22
) -> Iterator[bytes]:
    """Decompressed bytes from virtual offset `start` up to (not including) `end`.

    `end=None` reads to the end of the file. Pieces of roughly `size` bytes are yielded
    (block-aligned, so a record may straddle two pieces). Each block's CRC32 and length are
    checked, so a corrupt or truncated file fails here rather than miscounting.
    """
    coff, uoff = start >> 16, start & 0xFFFF
    ecoff, euoff = (end >> 16, end & 0xFFFF) if end is not None else (None, 0)
    out: list[bytes] = []
    held = 0
    dec, crc32 = zlib.decompress, zlib.crc32
    with open(path, "rb") as fh:
        fh.seek(coff)
        buf = fh.read(_READ)
        base = coff  # file offset of buf[0]
        pos = 0
        first = True
        while True:
            here = base + pos
            if ecoff is not None and here >= ecoff:
                if here > ecoff:
                    raise BgzfError(f"virtual offset end {end} is not at a block boundary")
                if euoff == 0:
                    break
            if len(buf) - pos < 18:
                more = fh.read(_READ)
                buf = buf[pos:] + more
                base, pos = here, 0
                if not buf:
                    if ecoff is not None:
                        raise BgzfError(f"file ends at byte {here:,}, before the indexed range")
                    break
                if len(buf) < 18:
                    raise BgzfError(f"truncated BGZF block header at byte {here:,}")
            bsize = _block_size(buf, pos)
            if len(buf) - pos < bsize:
                more = fh.read(max(_READ, bsize))
                buf = buf[pos:] + more
                base, pos = here, 0
                if len(buf) < bsize:
                    raise BgzfError(f"truncated BGZF block at byte {here:,}")
            xlen = buf[pos + 10] | (buf[pos + 11] << 8)
            crc, isize = struct.unpack_from("<II", buf, pos + bsize - 8)
            try:
                data = dec(buf[pos + 12 + xlen : pos + bsize - 8], -15, max(isize, 1))
            except zlib.error as exc:
                raise BgzfError(f"corrupt BGZF block at byte {here:,}: {exc}") from exc
            if len(data) != isize or crc32(data) != crc:
                raise BgzfError(f"corrupt BGZF block at byte {here:,} (length or CRC mismatch)")
            pos += bsize
            last = ecoff is not None and here == ecoff
            if last:
                data = data[:euoff]
            if first:
                data = data[uoff:]
                first = False
            if data:
                out.append(data)
                held += len(data)
                if held >= size:
                    yield b"".join(out)
                    out, held = [], 0
            if last:
                break
    if out:
        yield b"".join(out)


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
