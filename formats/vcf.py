"""VCF and BCF files: what a file is, its header, its records as text, and writing one.

One reader for everyone who opens a genome: summarisation (`bcftools stats` figures),
candidate extraction for tiering, the genome loader's checks, and withdrawal (which rewrites
a joint VCF without a participant's column); the simulator writes its VCFs with `VcfWriter`.

Why text blocks rather than pysam records: the summary counts records with numpy over
multi-megabyte blocks of complete lines (variants.fastcount), and candidate extraction skips
every line without a HIGH/MODERATE annotation by a substring test before any parsing; a
Python object per record would cost more than either pass. A file's kind is decided from
its bytes, never its name. BCF (binary) is read through pysam, which formats each record as
VCF text. Errors are `VcfError`s naming the file, the line where known, and the quarantine
reason (domain.reasons) a loader files them under.
"""

from __future__ import annotations

import gzip
import itertools
import os
import queue
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

from domain.reasons import FileReason
from formats.bgzf import BgzfError, BgzfWriter, inflate_range, is_bgzf
from formats.tabix import ContigRecords, IndexedContig, read_index, write_tbi

_HDR = FileReason.BROKEN_VCF_HEADER


class VcfError(Exception):
    """A VCF/BCF that cannot be read as one: names the file, the line (when known) and why.

    `code` is the domain.reasons.FileReason the loader quarantines the file with.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        reason: str,
        line: int | None = None,
        code: FileReason = FileReason.BAD_FORMAT,
    ):
        self.path = str(path)
        self.line = line
        self.reason = reason
        self.code = code
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")

    def __reduce__(self):  # raised in shard worker processes, so it must pickle
        return (VcfError, (self.path, self.reason, self.line, self.code))


# ---------------------------------------------------------------------------------------
# file access


@dataclass
class VcfSource:
    """What kind of file a path is, decided from its bytes (never from its name)."""

    path: Path
    compression: str  # "bgzf" | "gzip" | "none"
    is_bcf: bool
    index: Path | None  # .tbi or .csi beside the file


def inspect_source(path: str | os.PathLike) -> VcfSource:
    """Classify a VCF/BCF file by its magic bytes and find its index, if any."""
    p = Path(path)
    if not p.is_file():
        raise VcfError(p, "file not found")
    with open(p, "rb") as fh:
        head = fh.read(18)
    if head[:2] == b"\x1f\x8b":
        compression = "bgzf" if is_bgzf(head) else "gzip"
        try:
            with gzip.open(p, "rb") as gz:
                start = gz.read(5)
        except (OSError, EOFError, zlib.error) as exc:
            raise VcfError(p, f"unreadable gzip: {exc}", code=FileReason.UNREADABLE_GZIP) from exc
    else:
        compression = "none"
        start = head[:5]
    is_bcf = start[:3] == b"BCF"
    if not is_bcf and not start.startswith(b"##"):
        raise VcfError(p, "not a VCF (no '##fileformat' header) nor a BCF", line=1, code=_HDR)
    index = None
    for suffix in (".tbi", ".csi"):
        cand = p.with_name(p.name + suffix)
        if cand.is_file():
            index = cand
            break
    return VcfSource(p, compression, is_bcf, index)


@dataclass
class Header:
    """A VCF header: sample columns, declared contigs and the meta (`##`) lines."""

    samples: list[str]
    contigs: list[str]  # declared in ##contig lines, in order
    lines: list[str]  # meta lines (without the #CHROM line)


def parse_header_lines(path: str | os.PathLike, lines: Iterable[str]) -> Header:
    """Parse header text lines; the #CHROM line must be last and well formed."""
    meta: list[str] = []
    contigs: list[str] = []
    for i, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if line.startswith("##"):
            meta.append(line)
            if line.startswith("##contig=<"):
                body = line[len("##contig=<") : -1]
                for item in body.split(","):
                    if item.startswith("ID="):
                        contigs.append(item[3:])
                        break
            continue
        if line.startswith("#CHROM"):
            cols = line[1:].split("\t")
            fixed = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
            if cols[:8] != fixed:
                raise VcfError(path, "malformed #CHROM header line", line=i, code=_HDR)
            if len(cols) > 8 and cols[8] != "FORMAT":
                raise VcfError(path, "ninth header column is not FORMAT", line=i, code=_HDR)
            if not meta or not meta[0].startswith("##fileformat=VCF"):
                raise VcfError(
                    path, "first header line is not ##fileformat=VCF…", line=1, code=_HDR
                )
            return Header(cols[9:], contigs, meta)
        raise VcfError(path, "header ends without a #CHROM line", line=i, code=_HDR)
    raise VcfError(path, "file ends before the #CHROM header line", code=_HDR)


def read_header(src: VcfSource) -> Header:
    """The header of a VCF (text) or BCF, with samples and declared contigs."""
    if src.is_bcf:
        try:
            with pysam.VariantFile(str(src.path)) as vf:
                text = str(vf.header)
        except (OSError, ValueError) as exc:
            raise VcfError(src.path, f"cannot parse BCF header: {exc}", code=_HDR) from exc
        return parse_header_lines(src.path, text.splitlines())
    opener = gzip.open if src.compression != "none" else open
    try:
        with opener(src.path, "rt", encoding="utf-8") as fh:
            head = itertools.takewhile(lambda ln: ln.startswith("#"), fh)
            return parse_header_lines(src.path, list(head))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        code = _HDR if isinstance(exc, UnicodeDecodeError) else FileReason.UNREADABLE_GZIP
        raise VcfError(src.path, f"cannot read header: {exc}", code=code) from exc


def index_contigs(src: VcfSource) -> list[str]:
    """Contigs that have records, according to the tabix/CSI index."""
    if src.index is None:
        raise VcfError(src.path, "no .tbi/.csi index beside the file")
    if src.compression != "bgzf":
        raise VcfError(
            src.path,
            "an index is present but the file is not BGZF-compressed",
            code=FileReason.NOT_BGZF,
        )
    try:
        if src.is_bcf:
            with pysam.VariantFile(str(src.path), index_filename=str(src.index)) as vf:
                return list(vf.index.keys())
        with pysam.TabixFile(str(src.path), index=str(src.index)) as tbx:
            return list(tbx.contigs)
    except (OSError, ValueError) as exc:
        raise VcfError(src.path, f"cannot read index {src.index.name}: {exc}") from exc


#: Decompressed bytes handed to the block counter at a time (~20,000 WGS records).
BLOCK = 1 << 22


def raw_pieces(src: VcfSource) -> Iterator[bytes]:
    """Decompressed bytes of a whole text VCF, header included, in pieces of ~BLOCK (for
    BGZF, already cut at newlines: see `data_blocks`).

    Damaged compressed data (a bad deflate stream, a truncated member) is the file's
    fault: it is raised as a VcfError (UNREADABLE_GZIP), never as zlib's own error.
    """
    if src.compression == "none":
        with open(src.path, "rb") as fh:
            while piece := fh.read(BLOCK):
                yield piece
        return
    try:
        if src.compression == "bgzf":
            yield from inflate_range(src.path, size=BLOCK, lines=True)
            return
        with gzip.open(src.path, "rb") as fh:
            while piece := fh.read(BLOCK):
                yield piece
    except (OSError, EOFError, zlib.error) as exc:
        raise VcfError(
            src.path, f"unreadable compressed data: {exc}", code=FileReason.UNREADABLE_GZIP
        ) from exc


def line_blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """Re-cut pieces at newlines: every block holds complete lines, each ending in b"\\n"
    (a last line without one gets it added)."""
    rest = b""
    for piece in pieces:
        buf = rest + piece if rest else piece
        cut = buf.rfind(b"\n") + 1
        rest = buf[cut:]
        if cut:
            yield buf[:cut]
    if rest:
        yield rest + b"\n"


def skip_header(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Drop the leading `#` lines of a whole-file block stream."""
    it = iter(blocks)
    for buf in it:
        pos = 0
        while pos < len(buf) and buf[pos] == 35:  # '#'
            pos = buf.index(b"\n", pos) + 1
        if pos < len(buf):
            yield buf[pos:] if pos else buf
            break
    yield from it


def bcf_blocks(src: VcfSource, contig: str | None) -> Iterator[bytes]:
    """BCF records as VCF text blocks (htslib formats each record)."""
    with pysam.VariantFile(str(src.path)) as vf:
        it = vf.fetch(contig) if contig is not None else vf
        while batch := [str(rec) for rec in itertools.islice(it, 20_000)]:
            yield "".join(batch).encode("utf-8")


def in_thread(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Run a piece iterator (decompression) in a helper thread, a few pieces ahead.

    The inflater releases the GIL while inflating, so with a second core the inflation
    overlaps the counting (with libdeflate, four times cheaper than zlib, there is less of
    it to overlap).
    Used only when the caller was given more than one core (`threads` > 1) but the file
    cannot be sharded (no index, or plain gzip): `threads=1` means one core. Errors in the
    thread are re-raised in the reader.
    """
    q: queue.Queue = queue.Queue(maxsize=4)
    done = object()
    stop = threading.Event()

    def work() -> None:
        try:
            for piece in pieces:
                if stop.is_set():
                    break
                q.put(piece)
            q.put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(exc)

    t = threading.Thread(target=work, name="vcf-inflate", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while t.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                t.join(0.05)


def data_blocks(src: VcfSource, threaded: bool = False) -> Iterator[bytes]:
    """Blocks of complete data lines (no header) of a whole VCF/BCF file."""
    if src.is_bcf:
        return bcf_blocks(src, None)
    pieces = raw_pieces(src)
    if threaded:
        pieces = in_thread(pieces)
    # BGZF pieces are cut at newlines as they are inflated; re-cutting them would copy them
    return skip_header(pieces if src.compression == "bgzf" else line_blocks(pieces))


def record_lines(src: VcfSource, contig: str | None) -> Iterator[str]:
    """Data lines one by one, without newline (for readers that need each line, e.g.
    candidate extraction in tiering)."""
    if contig is not None:
        if src.is_bcf:
            blocks: Iterable[bytes] = bcf_blocks(src, contig)
        else:
            with pysam.TabixFile(str(src.path), index=str(src.index)) as tbx:
                yield from tbx.fetch(contig)
            return
    else:
        blocks = data_blocks(src)
    for buf in blocks:
        try:
            lines = buf.decode("utf-8").split("\n")
        except UnicodeDecodeError as exc:
            raise VcfError(src.path, f"not UTF-8: {exc}", code=FileReason.BAD_FORMAT) from exc
        lines.pop()
        yield from lines


# ---------------------------------------------------------------------------------------
# the reader


class VcfReader:
    """A VCF or BCF file opened for reading: its kind, header, index and records.

    Nothing is held open between calls: every iterator opens the file itself, so a reader
    can be iterated more than once and rebuilt from its path in a worker process.
    Construction reads the first bytes only (`inspect_source`); the header is read when
    first asked for.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.source = inspect_source(path)
        self.path = self.source.path
        self._header: Header | None = None

    @property
    def header(self) -> Header:
        if self._header is None:
            self._header = read_header(self.source)
        return self._header

    @property
    def samples(self) -> list[str]:
        return self.header.samples

    @property
    def first_record_line(self) -> int | None:
        """File line number of the first record (for error messages), None for a BCF."""
        return None if self.source.is_bcf else len(self.header.lines) + 2

    def check_index(self) -> None:
        """Refuse an index beside a file that is not BGZF: it cannot index it."""
        if self.source.index is not None and self.source.compression != "bgzf":
            raise VcfError(
                self.path,
                "an index is present but the file is not BGZF-compressed",
                code=FileReason.NOT_BGZF,
            )

    def blocks(self, *, threaded: bool = False) -> Iterator[bytes]:
        """The whole file's data lines in multi-megabyte blocks of complete lines.

        `threaded` inflates in a helper thread a few blocks ahead (for a caller given a
        second core, when the file cannot be sharded by contig).
        """
        return data_blocks(self.source, threaded=threaded)

    def lines(self, contig: str | None = None) -> Iterator[str]:
        """Data lines one by one, without newline; one contig's (through the index) or all."""
        return record_lines(self.source, contig)

    def indexed_contigs(self) -> list[IndexedContig]:
        """Contigs with records and their byte ranges, from the .tbi/.csi (text VCF only)."""
        if self.source.index is None:
            raise VcfError(self.path, "no .tbi/.csi index beside the file")
        self.check_index()
        try:
            return read_index(self.source.index)
        except BgzfError as exc:
            raise VcfError(self.path, f"cannot read index {self.source.index.name}: {exc}") from exc

    def contig_names(self) -> list[str]:
        """Contigs that have records, according to the index (text VCF or BCF)."""
        return index_contigs(self.source)

    def contig_blocks(self, contig: IndexedContig | str) -> Iterator[bytes]:
        """One contig's data lines in blocks: a text VCF's exact BGZF byte range from its
        index entry (an `IndexedContig`), a BCF's records by region (a contig name)."""
        if self.source.is_bcf:
            name = contig if isinstance(contig, str) else contig.name
            return bcf_blocks(self.source, name)
        if isinstance(contig, str):
            raise TypeError("a text VCF's contig is read by its IndexedContig entry")
        return inflate_range(self.path, contig.beg, contig.end, size=BLOCK, lines=True)


# ---------------------------------------------------------------------------------------
# writing


class VcfWriter:
    """Writes a BGZF-compressed VCF and its tabix index, in one pass.

    The header text goes first (`header`, every line ending in a newline), then records
    contig by contig in sorted order (`write_records`, any number of calls per contig).
    Records' coordinates and byte offsets are noted as they are written, so `close()` writes
    the .tbi without re-reading the file (formats.tabix). Output is byte-identical for
    identical input.
    """

    def __init__(
        self, path: str | os.PathLike, header: str, *, level: int = 6, threads: int = 2
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = BgzfWriter(self.path, level=level, threads=threads)
        self._out.write(header.encode("utf-8"))
        self._parts: dict[str, list[ContigRecords]] = {}
        self._last: str | None = None
        self.records = 0

    def write_records(
        self,
        contig: str,
        pos: np.ndarray | Sequence[int],
        ref_len: np.ndarray | Sequence[int],
        lines: Sequence[str],
        *,
        end: np.ndarray | Sequence[int] | None = None,
    ) -> None:
        """Write sorted records of one contig: 1-based POS, REF length, the text lines
        (without newline). `end` (1-based, inclusive; INFO/END of symbolic alleles)
        overrides POS + REF length - 1 where the caller knows it."""
        if not lines:
            return
        if contig != self._last and contig in self._parts:
            raise ValueError(f"records of {contig} are not contiguous: the file must be sorted")
        self._last = contig
        text = "\n".join(lines) + "\n"
        data = text.encode("utf-8")
        start = self._out.tell()
        self._out.write(data)
        if len(data) == len(text):
            size = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1
        else:  # non-ASCII text: byte lengths differ from character counts
            size = (
                np.fromiter(
                    (len(x.encode("utf-8")) for x in lines), dtype=np.int64, count=len(lines)
                )
                + 1
            )
        u_end = start + np.cumsum(size)
        beg = np.asarray(pos, dtype=np.int64) - 1
        stop = (
            beg + np.asarray(ref_len, dtype=np.int64)
            if end is None
            else np.maximum(np.asarray(end, dtype=np.int64), beg + 1)
        )
        self._parts.setdefault(contig, []).append(
            ContigRecords(contig, beg, stop, u_end - size, u_end)
        )
        self.records += len(lines)

    def close(self) -> None:
        """Finish the BGZF file and write its .tbi beside it."""
        if self._out is None:
            return
        out, self._out = self._out, None
        out.close()
        indexed = [
            ContigRecords(
                name,
                *(np.concatenate([getattr(p, f) for p in parts]) for f in _SPAN_FIELDS),
            )
            for name, parts in self._parts.items()
        ]
        write_tbi(str(self.path) + ".tbi", indexed, out.block_offsets)

    def __enter__(self) -> VcfWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()


_SPAN_FIELDS = ("beg", "end", "u_start", "u_end")


def _info_end(info: str) -> int | None:
    """INFO/END of a record, when it has one (symbolic alleles, gVCF blocks)."""
    for item in info.split(";"):
        if item.startswith("END="):
            try:
                return int(item[4:])
            except ValueError:
                return None
    return None


def drop_samples(path: str | os.PathLike, samples: set[str], *, level: int = 6) -> int:
    """Rewrite a BGZF VCF without the genotype columns of `samples`, re-indexed; returns
    how many columns went (0: none of them is in the file, which is left untouched).

    Everything else stays as delivered, byte for byte (INFO summaries such as AC/AN are
    not recomputed). The new file and index replace the old ones atomically, each by a
    rename, so a reader sees the old file or the new one, never half of one.
    """
    reader = VcfReader(path)
    if reader.source.is_bcf or reader.source.compression != "bgzf":
        raise VcfError(path, "only a BGZF-compressed text VCF can be rewritten")
    present = reader.samples
    gone = [s for s in present if s in samples]
    if not gone:
        return 0
    keep = list(range(9)) + [9 + i for i, s in enumerate(present) if s not in samples]
    chrom_line = "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"])
    if len(present) > len(gone):
        chrom_line += "\t" + "\t".join(["FORMAT", *(s for s in present if s not in samples)])
    header = "".join(f"{line}\n" for line in reader.header.lines) + chrom_line + "\n"
    target = Path(path)
    tmp = target.with_name(target.name + ".rewrite.tmp")
    try:
        with VcfWriter(tmp, header, level=level) as out:
            contig: str | None = None
            pos: list[int] = []
            ref_len: list[int] = []
            end: list[int] = []
            lines: list[str] = []

            def flush() -> None:
                if contig is not None:
                    out.write_records(contig, pos, ref_len, lines, end=end)
                pos.clear(), ref_len.clear(), end.clear(), lines.clear()

            n = reader.first_record_line or 1
            for line in reader.lines():
                f = line.split("\t")
                if len(f) != 9 + len(present):
                    raise VcfError(path, f"{len(f)} columns, expected {9 + len(present)}", line=n)
                if f[0] != contig:
                    flush()
                    contig = f[0]
                try:
                    p = int(f[1])
                except ValueError:
                    raise VcfError(path, f"POS {f[1]!r} is not a number", line=n) from None
                pos.append(p)
                ref_len.append(len(f[3]))
                end.append(_info_end(f[7]) or p + len(f[3]) - 1)
                lines.append("\t".join([f[i] for i in keep]))
                n += 1
            flush()
        os.replace(tmp, target)
        os.replace(f"{tmp}.tbi", f"{target}.tbi")
        csi = target.with_name(target.name + ".csi")
        if csi.exists():
            csi.unlink()
    finally:
        for leftover in (tmp, Path(f"{tmp}.tbi")):
            if leftover.exists():
                leftover.unlink()
    return len(gone)
