"""`bcftools stats -s -` figures (SN, TSTV, PSC) in one streaming pass, optionally sharded.

Why this shape: a Python loop that does real work per record is far slower than htslib, so
no record gets a Python statement of its own. The file is inflated in multi-megabyte blocks
of complete lines, and each block is counted by numpy (loaders.variants._fastcount) into
*distinct site patterns*: the key (contig, REF, ALT, genotype strings of every sample) goes
into one Counter, and FORMAT/DP is summed per sample. Everything bcftools derives (variant
types, Ts/Tv, het/hom, singletons, missing) is a pure function of that key, so it is
computed once per distinct key (`fold`) and multiplied by its count. A block the vectorised
counter cannot take verbatim (odd columns, AD-only depth, bad bytes) is counted line by
line (`_count_lines`) with identical results, and errors there name the file line.

Sharding is exact by construction: with a tabix/CSI index, contigs are spread over processes
by record count (greedy bin packing), each process inflates exactly its contigs' BGZF byte
ranges (loaders.variants._bgzf), folds its patterns into a `Tally` of plain sums, and the
tallies add. One process (`threads=1`) uses one core: inflation and counting share it.

Definitions replicate bcftools 1.16 `vcfstats.c` (see `vartype` for allele/genotype rules):
- a record is counted once in each of snvs/mnps/indels/others whose bit its ALT alleles set;
  `no_alts` when every ALT is reference-like (`.`, `<*>`, `<NON_REF>`, `<X>`, ALT==REF);
  `*` (overlap) and breakends set no counter;
- site Ts/Tv count every SNP ALT allele, by the first base of REF and ALT;
- per sample, ref/het/hom counts include genotypes whose alleles are SNP or reference-like
  (so 0/0 counts as ref_hom at indel sites too, as in bcftools); Ts/Tv use the lower ALT
  index; indels count non-ref genotypes with an indel allele; haploid calls count only as
  haploid ref/alt; a singleton is the only diploid non-ref sample at a site; missing is any
  genotype with a missing allele; mean depth averages FORMAT/DP (else the sum of AD).
"""

from __future__ import annotations

import gc
import gzip
import itertools
import logging
import os
import queue
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pysam

from loaders.reasons import FileReason
from loaders.variants._bgzf import BgzfError, inflate_range, read_index
from loaders.variants._fastcount import WordCoder, count_block
from loaders.variants.vartype import (
    GT_HAPL_A,
    GT_HAPL_R,
    GT_HET_AA,
    GT_HET_RA,
    GT_HOM_AA,
    GT_HOM_RR,
    GT_UNKN,
    VCF_INDEL,
    VCF_MNP,
    VCF_OTHER,
    VCF_REF,
    VCF_SNP,
    acgt2int,
    gt_type,
    variant_type,
)

log = logging.getLogger(__name__)

#: Contig names treated as the X chromosome for sex inference.
X_CONTIGS = frozenset({"X", "chrX"})
_HDR = FileReason.BROKEN_VCF_HEADER
#: Records per progress report.
CHUNK = 250_000


class VcfError(Exception):
    """A VCF/BCF that cannot be read as one: names the file, the line (when known) and why.

    `code` is the loaders.reasons.FileReason the loader quarantines the file with.
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


def _gzip_block_is_bgzf(head: bytes) -> bool:
    # BGZF: gzip member with FEXTRA and a 'BC' subfield (SAM/BAM spec section 4.1)
    return len(head) >= 16 and head[3] & 4 != 0 and head[12:14] == b"BC"


def inspect_source(path: str | os.PathLike) -> VcfSource:
    """Classify a VCF/BCF file by its magic bytes and find its index, if any."""
    p = Path(path)
    if not p.is_file():
        raise VcfError(p, "file not found")
    with open(p, "rb") as fh:
        head = fh.read(18)
    if head[:2] == b"\x1f\x8b":
        compression = "bgzf" if _gzip_block_is_bgzf(head) else "gzip"
        try:
            with gzip.open(p, "rb") as gz:
                start = gz.read(5)
        except (OSError, EOFError) as exc:
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
    except (OSError, EOFError, UnicodeDecodeError) as exc:
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


def _raw_pieces(src: VcfSource) -> Iterator[bytes]:
    """Decompressed bytes of a whole text VCF, header included, in pieces of ~BLOCK."""
    if src.compression == "bgzf":
        yield from inflate_range(src.path, size=BLOCK)
        return
    opener = gzip.open if src.compression == "gzip" else open
    with opener(src.path, "rb") as fh:
        while piece := fh.read(BLOCK):
            yield piece


def _line_blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
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


def _skip_header(blocks: Iterable[bytes]) -> Iterator[bytes]:
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


def _bcf_blocks(src: VcfSource, contig: str | None) -> Iterator[bytes]:
    """BCF records as VCF text blocks (htslib formats each record)."""
    with pysam.VariantFile(str(src.path)) as vf:
        it = vf.fetch(contig) if contig is not None else vf
        while batch := [str(rec) for rec in itertools.islice(it, 20_000)]:
            yield "".join(batch).encode("utf-8")


def _in_thread(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Run a piece iterator (decompression) in a helper thread, a few pieces ahead.

    zlib releases the GIL while inflating, so with a second core the inflation overlaps the
    counting. Used only when the caller was given more than one core (`threads` > 1) but the
    file cannot be sharded (no index, or plain gzip): `threads=1` means one core. Errors in
    the thread are re-raised in the reader.
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


def _data_blocks(src: VcfSource, threaded: bool = False) -> Iterator[bytes]:
    """Blocks of complete data lines (no header) of a whole VCF/BCF file."""
    if src.is_bcf:
        return _bcf_blocks(src, None)
    pieces = _raw_pieces(src)
    return _skip_header(_line_blocks(_in_thread(pieces) if threaded else pieces))


def _record_lines(src: VcfSource, contig: str | None) -> Iterator[str]:
    """Data lines one by one, without newline (for readers that need each line, e.g.
    candidate extraction in tiering)."""
    if contig is not None:
        if src.is_bcf:
            blocks: Iterable[bytes] = _bcf_blocks(src, contig)
        else:
            with pysam.TabixFile(str(src.path), index=str(src.index)) as tbx:
                yield from tbx.fetch(contig)
            return
    else:
        blocks = _data_blocks(src)
    for buf in blocks:
        lines = buf.decode("utf-8").split("\n")
        lines.pop()
        yield from lines


# ---------------------------------------------------------------------------------------
# the pass


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
) -> RawCounts:
    """One pass over blocks of data lines, counting distinct site patterns.

    Each block goes through the vectorised counter (loaders.variants._fastcount), which
    handles well-formed records without a Python statement per line; a block it declines
    is re-read line by line by `_count_lines`, with identical results. Errors name the file
    line when the whole text file is read (`header_lines` given), else the record number
    within the shard.
    """
    if out is None:
        out = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
    coder = WordCoder()
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
        got = count_block(buf, nsamp, out.patterns, out.dp_sum, out.dp_n, coder, seen)
        if got is None:
            got = _count_lines(buf, nsamp, out, where, seen)
        n += got
        if progress and n >= next_report:
            next_report += CHUNK
            rate = n / max(time.monotonic() - t0, 1e-9)
            print(f"  {n:,} records ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    out.records += n
    return out


# ---------------------------------------------------------------------------------------
# expansion: pattern counts -> bcftools figures

SITE_KEYS = (
    "records",
    "no_alts",
    "snvs",
    "mnps",
    "indels",
    "others",
    "multiallelic_sites",
    "multiallelic_snv_sites",
    "transitions",
    "transversions",
)


class AlleleClass(NamedTuple):
    """Everything bcftools derives from REF and ALT (a NamedTuple: built once per distinct
    REF/ALT pair, tens of thousands of times per genome, so construction cost matters)."""

    line_type: int
    n_allele: int
    site: tuple[int, ...]  # increments in SITE_KEYS order
    types: tuple[int, ...]  # per allele index (0 = REF, type 0)
    lengths: tuple[int, ...]
    bases: tuple[int, ...]  # acgt2int of each allele's first base


def classify_alleles(ref: str, alt: str) -> AlleleClass:
    """Classify one record's alleles the way vcfstats.c does_vcf_stats does."""
    alts = [] if alt == "." else alt.split(",")
    types = [VCF_REF]
    lengths = [0]
    line_type = 0
    for a in alts:
        t, n = variant_type(ref, a)
        types.append(t)
        lengths.append(n)
        line_type |= t
    bases = tuple(acgt2int(a) for a in [ref, *alts])
    ts = tv = 0
    if line_type & VCF_SNP and bases[0] >= 0:
        for i in range(1, len(types)):
            if not types[i] & VCF_SNP:
                continue
            b = bases[i]
            if b < 0 or b == bases[0]:
                continue
            if abs(bases[0] - b) == 2:
                ts += 1
            else:
                tv += 1
    n_allele = 1 + len(alts)
    mals = n_allele > 2
    site = (
        1,
        int(line_type == VCF_REF),
        int(bool(line_type & VCF_SNP)),
        int(bool(line_type & VCF_MNP)),
        int(bool(line_type & VCF_INDEL)),
        int(bool(line_type & VCF_OTHER)),
        int(mals),
        int(mals and line_type == VCF_SNP),
        ts,
        tv,
    )
    return AlleleClass(line_type, n_allele, site, tuple(types), tuple(lengths), bases)


# per-sample counter slots
S_HOMRR, S_HOMAA, S_HET, S_TS, S_TV, S_INDEL, S_SNGL, S_MISS, S_HAPR, S_HAPA = range(10)
S_XHET, S_XHOMAA = 10, 11
N_SLOTS = 12


def sample_increments(cls: AlleleClass, gt: str) -> tuple[list[int], bool]:
    """Per-sample slot increments for one genotype, and whether it counts as non-ref
    towards singletons (vcfstats.c do_sample_stats)."""
    inc = [0] * N_SLOTS
    g, ial, jal = gt_type(gt)
    if ial >= cls.n_allele or jal >= cls.n_allele:
        raise ValueError(f"genotype {gt!r} names an allele the record does not have")
    if g == GT_UNKN:
        inc[S_MISS] = 1
        return inc, False
    if g == GT_HAPL_R or g == GT_HAPL_A:
        inc[S_HAPR if g == GT_HAPL_R else S_HAPA] = 1
        return inc, False
    nonref = g != GT_HOM_RR
    var_type = 0
    if ial > 0:
        var_type |= cls.types[ial]
    if jal > 0:
        var_type |= cls.types[jal]
    if var_type & VCF_SNP or var_type == VCF_REF:
        if g == GT_HET_RA or g == GT_HET_AA:
            inc[S_HET] = 1
        elif g == GT_HOM_RR:
            inc[S_HOMRR] = 1
        elif g == GT_HOM_AA:
            inc[S_HOMAA] = 1
        if g != GT_HOM_RR and cls.types[ial] & VCF_SNP:
            alt = cls.bases[ial]
            if alt < 0:
                return inc, nonref  # bcftools `continue`s here, skipping the indel block
            if abs(cls.bases[0] - alt) == 2:
                inc[S_TS] = 1
            else:
                inc[S_TV] = 1
    if var_type & VCF_INDEL and g != GT_HOM_RR:
        inc[S_INDEL] = 1
    return inc, nonref


@dataclass
class Summary:
    """The result of `summarise`: file-level, per-contig and per-sample figures."""

    site: dict[str, int]
    per_contig: dict[str, dict[str, int]]
    samples: dict[str, dict[str, float | int | str | None]]

    def as_dict(self) -> dict:
        tv = self.site["transversions"]
        ts = self.site["transitions"]
        # bcftools prints (float)ts/tv with %.2f; float32 keeps ties identical
        ts_tv = float(f"{np.float32(ts) / np.float32(tv):.2f}") if tv else 0.0
        return {**self.site, "ts_tv": ts_tv, "per_contig": self.per_contig, "samples": self.samples}


def infer_sex(x_het: int, x_hom_alt: int, x_hap_alt: int) -> str:
    """Sex from chrX genotypes: hemizygous (haploid) calls or very low heterozygosity among
    non-ref SNP calls mean male. Needs a handful of informative sites to say anything."""
    informative = x_het + x_hom_alt + x_hap_alt
    if informative < 20:
        return "unknown"
    if x_hap_alt > (x_het + x_hom_alt):
        return "male"
    ratio = x_het / max(x_het + x_hom_alt, 1)
    return "male" if ratio < 0.2 else "female"


@dataclass
class Tally:
    """Additive sums from which every reported figure follows.

    Each is a sum over records, so the tallies of disjoint parts of a file (the contig
    shards) add up to the tally of the whole: a shard worker folds its own patterns and
    returns a few hundred integers instead of its pattern Counter.
    """

    site: dict[str, int]
    per_contig: dict[str, dict[str, int]]
    per_sample: list[list[int]]  # N_SLOTS counters per sample
    x_hap_alt: list[int]
    dp_sum: list[int]
    dp_n: list[int]

    @classmethod
    def empty(cls, nsamp: int) -> Tally:
        return cls(
            dict.fromkeys(SITE_KEYS, 0),
            {},
            [[0] * N_SLOTS for _ in range(nsamp)],
            [0] * nsamp,
            [0] * nsamp,
            [0] * nsamp,
        )

    def merge(self, other: Tally) -> None:
        for k, v in other.site.items():
            self.site[k] += v
        for contig, counts in other.per_contig.items():
            mine = self.per_contig.setdefault(contig, dict.fromkeys(counts, 0))
            for k, v in counts.items():
                mine[k] += v
        for row, add in zip(self.per_sample, other.per_sample, strict=True):
            for s, v in enumerate(add):
                row[s] += v
        for mine_, add_ in (
            (self.x_hap_alt, other.x_hap_alt),
            (self.dp_sum, other.dp_sum),
            (self.dp_n, other.dp_n),
        ):
            for i, v in enumerate(add_):
                mine_[i] += v


def fold(raw: RawCounts, tally: Tally) -> Tally:
    """Add the bcftools figures of `raw`'s patterns to `tally` (exact and order-free).

    Two stages keep this cheap on a genome's few hundred thousand patterns: the first pass
    only folds patterns (one dict update each) into per-(contig, allele class) record counts
    and per-(chrX SNP?, allele class, genotypes) counts - the contig itself no longer
    matters for per-sample figures, so ~25 contigs collapse into one; the second pass does
    the per-sample work once per folded pattern. Allele classes are shared by every
    (REF, ALT) that classifies identically, so thousands of distinct indels become a handful.
    Raises ValueError for a GT naming an allele its record does not have.
    """
    site, per_contig = tally.site, tally.per_contig
    per_sample, x_hap_alt = tally.per_sample, tally.x_hap_alt
    class_id: dict[tuple[str, str], int] = {}
    canon: dict[tuple, int] = {}
    classes: list[AlleleClass] = []
    by_contig: dict[tuple[str, int], int] = {}
    folded: dict[tuple, int] = {}
    for pattern, n in raw.patterns.items():
        contig, ref, alt = pattern[:3]
        ra = (ref, alt)
        cid = class_id.get(ra)
        if cid is None:
            # indels with different sequences but the same types and first bases behave
            # identically from here on (lengths are not reported): one id for all of them
            cls = classify_alleles(ref, alt)
            same = (cls.line_type, cls.n_allele, cls.site, cls.types, cls.bases)
            cid = canon.get(same)
            if cid is None:
                cid = canon[same] = len(classes)
                classes.append(cls)
            class_id[ra] = cid
        ck = (contig, cid)
        by_contig[ck] = by_contig.get(ck, 0) + n
        if len(pattern) > 3:
            fk = (contig in X_CONTIGS and classes[cid].line_type == VCF_SNP, cid, pattern[3:])
            folded[fk] = folded.get(fk, 0) + n
    for (contig, cid), n in by_contig.items():
        cls = classes[cid]
        for name, v in zip(SITE_KEYS, cls.site, strict=True):
            if v:
                site[name] += v * n
        pc = per_contig.get(contig)
        if pc is None:
            pc = per_contig[contig] = {"records": 0, "snvs": 0, "indels": 0}
        pc["records"] += n
        pc["snvs"] += cls.site[2] * n
        pc["indels"] += cls.site[4] * n
    # per (class, GT string): the slot increments, the non-zero slots, whether non-ref
    inc_cache: dict[tuple[int, str], tuple[list[int], tuple, bool]] = {}
    for (x_snp, cid, gts), n in folded.items():
        n_nref = 0
        i_nref = -1
        for i, gt in enumerate(gts):
            ik = (cid, gt)
            got = inc_cache.get(ik)
            if got is None:
                inc, nonref = sample_increments(classes[cid], gt)
                got = inc_cache[ik] = (inc, tuple(s for s in range(10) if inc[s]), nonref)
            inc, slots, nonref = got
            row = per_sample[i]
            for s in slots:
                row[s] += inc[s] * n
            if nonref:
                n_nref += 1
                i_nref = i
            if x_snp:
                row[S_XHET] += inc[S_HET] * n
                row[S_XHOMAA] += inc[S_HOMAA] * n
                x_hap_alt[i] += inc[S_HAPA] * n
        if n_nref == 1:
            per_sample[i_nref][S_SNGL] += n
    for i, v in enumerate(raw.dp_sum):
        tally.dp_sum[i] += v
        tally.dp_n[i] += raw.dp_n[i]
    return tally


def finish(tally: Tally, sample_names: list[str]) -> Summary:
    """The reported figures (means, ratios, inferred sex) from a whole file's tally."""
    samples: dict[str, dict] = {}
    for i, name in enumerate(sample_names):
        row = tally.per_sample[i]
        mean = tally.dp_sum[i] / tally.dp_n[i] if tally.dp_n[i] else 0.0
        xh, xa = row[S_XHET], row[S_XHOMAA]
        samples[name] = {
            "ref_hom": row[S_HOMRR],
            "non_ref_hom": row[S_HOMAA],
            "het": row[S_HET],
            "transitions": row[S_TS],
            "transversions": row[S_TV],
            "indels": row[S_INDEL],
            "singletons": row[S_SNGL],
            "missing": row[S_MISS],
            "mean_depth": float(f"{mean:.1f}"),
            "haploid_ref": row[S_HAPR],
            "haploid_alt": row[S_HAPA],
            "chrx_het": xh,
            "chrx_hom_alt": xa,
            "chrx_het_ratio": round(xh / (xh + xa), 4) if xh + xa else None,
            "inferred_sex": infer_sex(xh, xa, tally.x_hap_alt[i]),
        }
    return Summary(dict(tally.site), dict(tally.per_contig), samples)


def expand(raw: RawCounts, sample_names: list[str]) -> Summary:
    """Turn pattern counts into the bcftools figures (fold, then finish)."""
    return finish(fold(raw, Tally.empty(len(sample_names))), sample_names)


# ---------------------------------------------------------------------------------------
# entry points


def plan_shards(weights: dict[str, int], k: int) -> list[list[str]]:
    """Split contigs over k workers so that they finish together: greedy bin packing
    (largest first, each onto the least-loaded worker), which is within a few percent of
    even for a genome's contigs, unlike contig order (chr1-chr12 against the rest)."""
    bins: list[list[str]] = [[] for _ in range(k)]
    loads = [0] * k
    for name in sorted(weights, key=lambda c: (-weights[c], c)):
        i = loads.index(min(loads))
        bins[i].append(name)
        loads[i] += weights[name]
    return [b for b in bins if b]


#: One contig of a shard: (file-order rank, name, begin and end virtual offsets, records).
_Part = tuple[int, str, int, int, int | None]


def _count_contigs(args: tuple[str, int, bool, list[_Part], bool]) -> Tally:
    """A shard: count each of its contigs from exactly its indexed byte range and fold the
    patterns into a tally (which adds across shards, unlike nothing else would so cheaply).

    Every record must belong to the contig, and the count must equal the index's own (when
    it records one), so a stale index or an unsorted file is an error, not a silent miscount.
    """
    path, nsamp, is_bcf, parts, progress = args
    src = inspect_source(path)
    raw = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
    for _rank, name, beg, end, expected in parts:
        if is_bcf:
            blocks: Iterable[bytes] = _bcf_blocks(src, name)
        else:
            blocks = _line_blocks(inflate_range(path, beg, end, size=BLOCK))
        before = raw.records
        seen: set[str] = set()
        count_blocks(path, blocks, nsamp, shard=name, out=raw, seen=seen)
        stray = sorted(seen - {name})
        if stray:
            raise VcfError(
                path,
                f"a record of contig {stray[0]} lies in the indexed range of {name}: "
                "the file is not sorted by contig or the index is stale",
            )
        got = raw.records - before
        if expected is not None and got != expected:
            raise VcfError(
                path,
                f"contig {name} has {got:,} records but the index says {expected:,}: "
                "the index is stale",
            )
        if progress:
            print(f"  {name}: {got:,} records", file=sys.stderr, flush=True)
    try:
        return fold(raw, Tally.empty(nsamp))
    except ValueError as exc:
        raise VcfError(path, f"malformed genotype: {exc}") from exc


def _sharded(src: VcfSource, nsamp: int, threads: int, progress: bool) -> Tally:
    """Count an indexed file on `threads` cores, each taking a balanced set of contigs.

    Text VCFs are read straight from each contig's BGZF byte range (the index's pseudo-bin);
    BCFs through pysam's region fetch. threads-1 worker processes take a shard each and this
    process takes the last, so no core idles; their tallies add. `per_contig` is put back
    in file order, matching the single-process pass.
    """
    if src.compression != "bgzf":
        raise VcfError(
            src.path,
            "an index is present but the file is not BGZF-compressed",
            code=FileReason.NOT_BGZF,
        )
    if src.is_bcf:
        parts = [(i, name, 0, 0, None) for i, name in enumerate(index_contigs(src))]
        weights = {p[1]: 1 for p in parts}
    else:
        try:
            indexed = read_index(src.index)
        except BgzfError as exc:
            raise VcfError(src.path, f"cannot read index {src.index.name}: {exc}") from exc
        parts = [(i, c.name, c.beg, c.end, c.records) for i, c in enumerate(indexed)]
        if all(c.records is not None for c in indexed):
            weights = {c.name: c.records for c in indexed}
        else:  # no pseudo-bin: compressed bytes stand in for records
            weights = {c.name: (c.end >> 16) - (c.beg >> 16) + 1 for c in indexed}
    by_name = {p[1]: p for p in parts}
    # heaviest first: this process takes the last (lightest) shard, as it also does the
    # serial work (header, index, merge)
    shards = [
        sorted(by_name[n] for n in names)
        for names in sorted(
            plan_shards(weights, threads), key=lambda b: -sum(weights[n] for n in b)
        )
    ]
    jobs = [(str(src.path), nsamp, src.is_bcf, s, progress) for s in shards]
    tally = Tally.empty(nsamp)
    if len(jobs) > 1:
        # Forked workers share this process's heap copy-on-write; freezing it keeps the
        # collector from touching (and so copying) every inherited object in each worker.
        gc.freeze()
        try:
            with ProcessPoolExecutor(
                max_workers=len(jobs) - 1, mp_context=get_context("fork")
            ) as pool:
                futures = [pool.submit(_count_contigs, job) for job in jobs[:-1]]
                tally.merge(_count_contigs(jobs[-1]))
                for fut in futures:
                    tally.merge(fut.result())
        finally:
            gc.unfreeze()
    elif jobs:
        tally.merge(_count_contigs(jobs[0]))
    rank = {p[1]: p[0] for p in parts}
    order = sorted(tally.per_contig, key=lambda c: rank.get(c, len(rank)))
    tally.per_contig = {c: tally.per_contig[c] for c in order}
    return tally


def summarise(path: str | os.PathLike, threads: int = 1, progress: bool = False) -> Summary:
    """Summarise a VCF/BCF (plain, gzip or BGZF; any contigs; any number of samples).

    `threads` is the number of cores to use. With an index and threads > 1 the file is
    sharded by contig over `threads` processes; without one, a second core inflates the file
    while the first counts. Every mode gives the identical result (see module docstring).
    """
    src = inspect_source(path)
    header = read_header(src)
    nsamp = len(header.samples)
    if threads > 1 and src.index is not None:
        return finish(_sharded(src, nsamp, threads, progress), header.samples)
    if src.index is not None and src.compression != "bgzf":
        raise VcfError(
            src.path,
            "an index is present but the file is not BGZF-compressed",
            code=FileReason.NOT_BGZF,
        )
    offset = None if src.is_bcf else len(header.lines) + 1
    raw = count_blocks(
        src.path,
        _data_blocks(src, threaded=threads > 1),
        nsamp,
        progress=progress,
        header_lines=offset,
    )
    try:
        return expand(raw, header.samples)
    except ValueError as exc:  # e.g. a GT naming an allele the record does not have
        raise VcfError(src.path, f"malformed genotype: {exc}") from exc
