"""BGZF, the blocked gzip of VCF.gz, BCF and BAM (SAM/BAM specification, section 4.1):
reading blocks between virtual offsets, and writing a file block by block.

A BGZF file is a series of gzip members of at most 64 KiB, each carrying its compressed size
in a `BC` extra field, so it can be read from any block boundary and written in parallel.

Reading: why not pysam. `TabixFile.fetch` hands back one Python string per record (about a
microsecond each before any counting starts), and `BGZFile` cannot stop at a virtual
offset. Reading the blocks directly lets a shard worker inflate exactly the bytes of its
contigs ([off_beg, off_end) from the index's pseudo-bin) and hand them on in multi-megabyte
pieces of complete lines.

Inflating: libdeflate (the `deflate` package), as htslib does when built with it. A BGZF
block records its inflated size (ISIZE), the case libdeflate is fastest at: a whole genome
inflates in about a quarter of zlib's CPU time, and inflation was most of what a summary
cost before any counting. zlib stays as the fallback when `deflate` is not installed (or
GWH_INFLATE=zlib); both give the same bytes and are tested alike. Every block's CRC32 and
ISIZE are checked, as htslib checks them; errors raise `BgzfError` (an OSError) with the
byte offset at fault, which callers turn into an error naming the file.

Writing: why not pysam's BGZFile. It compresses on one thread at zlib level 6, ~45 MB/s here,
and a 30x trio VCF is over a gigabyte of text. `BgzfWriter` compresses fixed-size blocks with
zlib on a thread pool (zlib releases the GIL), writes them in order with no timestamps
(MTIME = 0: identical input, identical bytes) and remembers each block's offset, which is
what a tabix index written alongside (formats.tabix) needs.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

try:  # libdeflate: ~4x faster than zlib on BGZF blocks, whose inflated size is known
    import deflate as _libdeflate
    from deflate import DeflateError as _DeflateError
except ImportError:  # pragma: no cover - exercised by forcing the zlib inflater in the tests
    _libdeflate = None

    class _DeflateError(Exception):  # type: ignore[no-redef]
        pass


#: Compressed bytes read from disk at a time.
_READ = 1 << 22
#: A block's trailer: CRC32 and ISIZE of the inflated data.
_TRAILER = struct.Struct("<II")


class BgzfError(OSError):
    """A BGZF stream or index that cannot be read as one (truncated, corrupt, not BGZF)."""


def _block_size(buf: bytes | memoryview, pos: int) -> int:
    """Total size of the BGZF block starting at `pos` (BSIZE + 1), from its BC subfield."""
    if buf[pos] != 0x1F or buf[pos + 1] != 0x8B or buf[pos + 2] != 8 or not buf[pos + 3] & 4:
        raise BgzfError(f"no BGZF block header at byte {pos:,}")
    xlen = buf[pos + 10] | (buf[pos + 11] << 8)
    p, end = pos + 12, pos + 12 + xlen
    if end > len(buf):
        raise BgzfError(f"truncated or damaged BGZF block header at byte {pos:,}")
    while p + 4 <= end:
        slen = buf[p + 2] | (buf[p + 3] << 8)
        if buf[p] == 66 and buf[p + 1] == 67 and slen == 2 and p + 6 <= end:  # 'B' 'C'
            bsize = (buf[p + 4] | (buf[p + 5] << 8)) + 1
            if bsize < 12 + xlen + 8:  # header, extra field, CRC32 and ISIZE at least
                raise BgzfError(f"BGZF block at byte {pos:,} is shorter than its own header")
            return bsize
        p += 4 + slen
    raise BgzfError(f"gzip member at byte {pos:,} has no BGZF 'BC' field (plain gzip?)")


def _engine(name: str | None) -> tuple[str, Callable[[bytes, int], bytes], Callable[[bytes], int]]:
    """(name, inflate(payload, isize), crc32) of the chosen inflater: libdeflate when the
    `deflate` package is installed (unless `name` or GWH_INFLATE says "zlib"), else zlib."""
    name = name or os.environ.get("GWH_INFLATE") or ("libdeflate" if _libdeflate else "zlib")
    if name == "libdeflate":
        if _libdeflate is None:
            raise BgzfError("the libdeflate inflater was asked for but `deflate` is not installed")
        return name, _libdeflate.deflate_decompress, _libdeflate.crc32
    if name != "zlib":
        raise ValueError(f"unknown inflater {name!r} (libdeflate or zlib)")
    return name, lambda payload, isize: zlib.decompress(payload, -15, max(isize, 1)), zlib.crc32


def inflater_name() -> str:
    """The inflater `inflate_range` uses by default (reported by the benchmarks)."""
    return _engine(None)[0]


def inflate_range(
    path: str | os.PathLike,
    start: int = 0,
    end: int | None = None,
    size: int = 1 << 22,
    *,
    lines: bool = False,
    engine: str | None = None,
) -> Iterator[bytes]:
    """Decompressed bytes from virtual offset `start` up to (not including) `end`.

    `end=None` reads to the end of the file. Pieces of roughly `size` bytes are yielded,
    block-aligned (a record may straddle two pieces) or, with `lines`, cut after the last
    newline so that every piece holds complete lines (a last line without one gets it
    added): the cut is made while the inflated blocks are joined, so it costs no second
    copy of the data. Each block's CRC32 and ISIZE are checked as htslib checks them, so a
    corrupt or truncated file fails here, naming the block's byte offset, rather than
    miscounting. `engine` picks the inflater ("libdeflate" or "zlib"; default: libdeflate
    when installed).
    """
    _name, dec, crc32 = _engine(engine)
    coff, uoff = start >> 16, start & 0xFFFF
    ecoff, euoff = (end >> 16, end & 0xFFFF) if end is not None else (None, 0)
    out: list[bytes] = []
    held = 0
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
            crc, isize = _TRAILER.unpack_from(buf, pos + bsize - 8)
            try:
                data = dec(buf[pos + 12 + xlen : pos + bsize - 8], isize) if isize else b""
            except (zlib.error, _DeflateError) as exc:
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
                    if not lines:
                        yield b"".join(out)
                        out, held = [], 0
                    else:
                        cut = data.rfind(b"\n") + 1
                        if cut:  # else: no newline in this block, keep gathering
                            out[-1] = data[:cut]
                            yield b"".join(out)
                            rest = bytes(data[cut:])
                            out, held = ([rest], len(rest)) if rest else ([], 0)
            if last:
                break
    if out:
        piece = b"".join(out)
        yield piece + b"\n" if lines and not piece.endswith(b"\n") else piece


def is_bgzf(head: bytes) -> bool:
    """Whether a file's first bytes are a BGZF block header (gzip with FEXTRA and a `BC`
    subfield), as opposed to plain gzip."""
    return len(head) >= 16 and head[:2] == b"\x1f\x8b" and head[3] & 4 != 0 and head[12:14] == b"BC"


def block_spans(data: bytes | memoryview) -> Iterator[tuple[int, int]]:
    """(offset, size) of each whole BGZF block at the start of `data`, in order; stops at the
    first byte that does not begin a complete block."""
    pos = 0
    while len(data) - pos >= 18:
        try:
            size = _block_size(data, pos)
        except BgzfError:
            return
        if len(data) - pos < size:
            return
        yield pos, size
        pos += size


# ---------------------------------------------------------------------------------------
# writing

#: Uncompressed bytes per block: htslib's own choice, which keeps every compressed block
#: (even of incompressible data) under the 64 KiB BSIZE limit.
BLOCK_INPUT = 0xFF00
#: The 28-byte empty block htslib writes (and checks for) at end of file.
EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def compress_block(data: bytes, level: int) -> bytes:
    """One BGZF block (gzip member with the BC extra field) holding `data`."""
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    payload = co.compress(data) + co.flush()
    bsize = len(payload) + 25  # header 18 + payload + CRC32 4 + ISIZE 4, minus 1
    header = struct.pack("<BBBBIBBHBBHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, bsize)
    return header + payload + struct.pack("<II", zlib.crc32(data), len(data))


class BgzfWriter:
    """Write bytes to a BGZF file; blocks are compressed in parallel, written in order."""

    def __init__(self, path: Path | str, level: int = 1, threads: int = 2) -> None:
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._level = level
        self._pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
        self._pending = bytearray()
        #: Compressed file offset of every data block, in order (block i holds uncompressed
        #: bytes [i * BLOCK_INPUT, (i + 1) * BLOCK_INPUT)): what an index needs.
        self.block_offsets: list[int] = []
        self._written = 0

    def tell(self) -> int:
        """Uncompressed bytes written so far."""
        return self._written + len(self._pending)

    def write(self, data: bytes) -> None:
        """Buffer `data`; full blocks are compressed and written once enough accumulates."""
        self._pending += data
        if len(self._pending) >= BLOCK_INPUT * 64:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        buf = self._pending
        whole = len(buf) if final else len(buf) - len(buf) % BLOCK_INPUT
        chunks = [bytes(buf[i : i + BLOCK_INPUT]) for i in range(0, whole, BLOCK_INPUT)]
        del buf[:whole]
        if self._pool is not None:
            blocks = self._pool.map(lambda c: compress_block(c, self._level), chunks)
        else:
            blocks = (compress_block(c, self._level) for c in chunks)
        self._written += whole
        for block in blocks:
            self.block_offsets.append(self._fh.tell())
            self._fh.write(block)

    def close(self) -> None:
        """Write the remaining data and htslib's EOF marker block."""
        if self._fh.closed:
            return
        try:
            self._flush(final=True)
            self._fh.write(EOF_BLOCK)
        finally:
            self._fh.close()
            if self._pool is not None:
                self._pool.shutdown()

    def __enter__(self) -> BgzfWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
