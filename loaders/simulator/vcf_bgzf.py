"""A small deterministic, multi-threaded BGZF writer (private helper of `vcf.py`).

Why not pysam's BGZFile: it compresses on one thread at zlib level 6, ~45 MB/s here, and a
30x trio VCF is over a gigabyte of text - compression alone would take longer than the
whole budget for a genome. BGZF is simply a series of gzip members of at most 64 KiB, each
carrying its compressed size in a `BC` extra field (SAM/BAM specification, section 4.1), so
writing it with zlib at a fast level on a thread pool (zlib releases the GIL) is short and
safe; htslib reads the result, and `pysam.tabix_index` indexes it. No timestamps are
written (MTIME = 0), so output is byte-identical for identical input.
"""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

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
