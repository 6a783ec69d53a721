"""`bcftools stats -s -` figures (SN, TSTV, PSC) in one streaming pass, optionally sharded.

Why this shape: a Python loop that does real work per record is far slower than htslib, so
the hot loop only splits each line and counts *distinct site patterns*: the key
(contig, allele class, genotype strings of every sample) goes into one Counter. Everything
bcftools derives (variant types, Ts/Tv, het/hom, singletons, missing) is a pure function of
that key, so it is computed once per distinct key at the end and multiplied by its count.
Sharding by contig is then exact by construction: shards return raw Counters and depth sums,
which add, and the expansion runs once on the merged total.

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

import numpy as np
import pysam

from loaders.reasons import FileReason
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


def _record_blocks(src: VcfSource, contig: str | None) -> Iterator[list[str]]:
    """Data lines (no header, no newline) of the whole file, or of one contig through the
    index, in lists of a few tens of thousands: the hot loop then runs over plain lists."""
    if src.is_bcf:
        with pysam.VariantFile(str(src.path)) as vf:
            it = vf.fetch(contig) if contig is not None else vf
            while batch := [str(rec).rstrip("\n") for rec in itertools.islice(it, 50_000)]:
                yield batch
        return
    if contig is not None:
        with pysam.TabixFile(str(src.path), index=str(src.index)) as tbx:
            it = tbx.fetch(contig)
            while batch := list(itertools.islice(it, 50_000)):
                yield batch
        return
    rest = ""
    in_header = True
    for block in _decompressed_blocks(src):
        lines = (rest + block).split("\n")
        rest = lines.pop()
        if in_header:
            skip = 0
            while skip < len(lines) and lines[skip][:1] == "#":
                skip += 1
            lines = lines[skip:]
            if not lines:
                continue
            in_header = False
        yield lines
    if rest and not (in_header and rest[:1] == "#"):
        yield [rest]


def _record_lines(src: VcfSource, contig: str | None) -> Iterator[str]:
    """Data lines one by one (for readers that need each line, e.g. candidate extraction)."""
    for block in _record_blocks(src, contig):
        yield from block


def _decompressed_blocks(src: VcfSource, size: int = 1 << 22) -> Iterator[str]:
    """Decoded text blocks of a whole file, decompressed by a helper thread.

    zlib releases the GIL while inflating, so the thread overlaps decompression with the
    parsing loop: the one-process pass then costs little more than the parsing itself.
    Errors in the thread (truncated gzip, bad UTF-8) are re-raised in the reader.
    """
    q: queue.Queue = queue.Queue(maxsize=4)
    done = object()
    stop = threading.Event()

    def work() -> None:
        opener = gzip.open if src.compression != "none" else open
        try:
            with opener(src.path, "rb") as fh:
                tail = b""
                while not stop.is_set():
                    b = fh.read(size)
                    if not b:
                        break
                    b = tail + b
                    cut = b.rfind(b"\n") + 1
                    tail = b[cut:]
                    q.put(b[:cut].decode("utf-8"))
                if tail:
                    q.put(tail.decode("utf-8"))
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


# ---------------------------------------------------------------------------------------
# the pass


@dataclass
class RawCounts:
    """What one pass (or one shard) returns: pattern counts plus per-sample depth sums."""

    patterns: Counter = field(default_factory=Counter)  # (contig, ref, alt, gts) -> n
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
    keys = fmt.rstrip("\n").split(":")
    gi = keys.index("GT") if "GT" in keys else None
    if "DP" in keys:
        return gi, keys.index("DP"), False
    if "AD" in keys:
        return gi, keys.index("AD"), True
    return gi, None, False


def _add_depths(out: RawCounts, flat: list[str], nsamp: int) -> None:
    """Vectorised FORMAT/DP sums for one chunk: `flat` holds nsamp strings per record.

    Parsing one joined string in C (np.fromstring) is ~6x faster than converting a string
    array; a missing depth `.` becomes -1 and is masked out.
    """
    if not flat:
        return
    text = " ".join(flat).replace(".", "-1")
    vals = np.fromstring(text, dtype=np.int64, sep=" ")
    if vals.size != len(flat) or (vals < -1).any():
        raise ValueError("FORMAT/DP holds a value that is not a non-negative integer")
    vals = vals.reshape(-1, nsamp)
    ok = vals >= 0
    sums = np.where(ok, vals, 0).sum(axis=0)
    counts = ok.sum(axis=0)
    for j in range(nsamp):
        out.dp_sum[j] += int(sums[j])
        out.dp_n[j] += int(counts[j])


def count_lines(
    path: str | os.PathLike,
    blocks: Iterable[list[str]],
    nsamp: int,
    progress: bool = False,
    header_lines: int | None = None,
    shard: str | None = None,
) -> RawCounts:
    """The hot loop: one pass over data lines (given in blocks), counting distinct patterns.

    Kept deliberately plain because it runs once per record of a 5-million-record genome.
    The fast path touches no sample in Python: when every sample column carries all the
    FORMAT fields, `tail.replace(":", "\\t").split("\\t")` flattens them and slicing picks
    every GT and every DP in C; depths are summed per block with numpy. Any other record
    (truncated sample fields, AD-only depth, no GT) takes the per-sample path. Errors name
    the file line when the whole text file is read (`header_lines` given), else the record
    number within the shard.
    """
    out = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
    patterns = out.patterns
    dp_sum, dp_n = out.dp_sum, out.dp_n
    fmt_cache: dict[str, tuple[int | None, int | None, bool, int]] = {}
    ncol = 9 + nsamp if nsamp else None
    tabs = nsamp - 1
    rng = range(nsamp)
    n = 0
    next_report = CHUNK
    t0 = time.monotonic()
    it = iter(blocks)
    while True:
        try:
            chunk = next(it, None)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as exc:
            # (pysam reports a BGZF block cut short as ValueError "iteration failed")
            raise VcfError(
                path,
                f"unreadable after record {n:,} (truncated or corrupt): {exc}",
                code=FileReason.UNREADABLE_GZIP,
            ) from exc
        if chunk is None:
            break
        depths: list[str] = []
        for k, line in enumerate(chunk):
            try:
                if nsamp:
                    f = line.split("\t", 9)
                    if len(f) == 10 and f[9].count("\t") == tabs:
                        fmt = f[8]
                        lay = fmt_cache.get(fmt)
                        if lay is None:
                            gi_, di_, ad_ = _format_layout(fmt)
                            lay = fmt_cache[fmt] = (gi_, di_, ad_, fmt.count(":") + 1)
                        gi, di, is_ad, nf = lay
                        if gi is not None and not is_ad and "" not in f:
                            flat = f[9].replace(":", "\t").split("\t")
                            if len(flat) == nf * nsamp and "" not in flat:
                                if di is not None:
                                    depths.extend(flat[di::nf])
                                patterns[(f[0], f[3], f[4], tuple(flat[gi::nf]))] += 1
                                continue
                # the general path
                f = line.split("\t")
                if "" in f:
                    raise ValueError(f"empty column {f.index('') + 1}")
                if not nsamp:
                    if len(f) < 8:
                        raise ValueError(f"{len(f)} columns, expected at least 8")
                    patterns[(f[0], f[3], f[4], None)] += 1
                    continue
                if len(f) != ncol:
                    raise ValueError(f"{len(f)} columns, expected {ncol}")
                gi, di, is_ad = _format_layout(f[8])
                g = []
                for j in rng:
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
                            dp_sum[j] += int(d)
                            dp_n[j] += 1
                gts = tuple(g) if gi is not None else None
                patterns[(f[0], f[3], f[4], gts)] += 1
            except (ValueError, IndexError) as exc:
                if header_lines is not None:
                    raise VcfError(
                        path, f"malformed record: {exc}", line=header_lines + n + k + 1
                    ) from exc
                where = f" of contig {shard}" if shard else ""
                raise VcfError(path, f"malformed record {n + k + 1}{where}: {exc}") from exc
        try:
            _add_depths(out, depths, nsamp)
        except ValueError as exc:
            first = header_lines + n + 1 if header_lines is not None else n + 1
            raise VcfError(path, f"records from line {first}: {exc}") from exc
        n += len(chunk)
        if progress and n >= next_report:
            next_report += CHUNK
            rate = n / max(time.monotonic() - t0, 1e-9)
            print(f"  {n:,} records ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    out.records = n
    return out


# ---------------------------------------------------------------------------------------
# expansion: pattern counts -> bcftools figures

_SITE_KEYS = (
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


@dataclass(frozen=True)
class AlleleClass:
    """Everything bcftools derives from REF and ALT."""

    line_type: int
    n_allele: int
    site: tuple[int, ...]  # increments in _SITE_KEYS order
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


def expand(raw: RawCounts, sample_names: list[str]) -> Summary:
    """Turn pattern counts into the bcftools figures (the exact, order-free reduction)."""
    nsamp = len(sample_names)
    site = dict.fromkeys(_SITE_KEYS, 0)
    per_contig: dict[str, dict[str, int]] = {}
    per_sample = [[0] * N_SLOTS for _ in range(nsamp)]
    x_hap_alt = [0] * nsamp
    cls_cache: dict[tuple[str, str], AlleleClass] = {}
    inc_cache: dict[tuple[AlleleClass, str], tuple[list[int], bool]] = {}
    for (contig, ref, alt, gts), n in raw.patterns.items():
        key = (ref, alt)
        cls = cls_cache.get(key)
        if cls is None:
            cls = cls_cache[key] = classify_alleles(ref, alt)
        for name, v in zip(_SITE_KEYS, cls.site, strict=True):
            if v:
                site[name] += v * n
        pc = per_contig.get(contig)
        if pc is None:
            pc = per_contig[contig] = {"records": 0, "snvs": 0, "indels": 0}
        pc["records"] += n
        pc["snvs"] += cls.site[2] * n
        pc["indels"] += cls.site[4] * n
        if gts is None:
            continue
        is_x = contig in X_CONTIGS
        n_nref = 0
        i_nref = -1
        for i, gt in enumerate(gts):
            ik = (cls, gt)
            got = inc_cache.get(ik)
            if got is None:
                got = inc_cache[ik] = sample_increments(cls, gt)
            inc, nonref = got
            row = per_sample[i]
            for s in range(10):
                if inc[s]:
                    row[s] += inc[s] * n
            if nonref:
                n_nref += 1
                i_nref = i
            if is_x and cls.line_type == VCF_SNP:
                row[S_XHET] += inc[S_HET] * n
                row[S_XHOMAA] += inc[S_HOMAA] * n
                x_hap_alt[i] += inc[S_HAPA] * n
        if n_nref == 1:
            per_sample[i_nref][S_SNGL] += n
    samples: dict[str, dict] = {}
    for i, name in enumerate(sample_names):
        row = per_sample[i]
        mean = raw.dp_sum[i] / raw.dp_n[i] if raw.dp_n and raw.dp_n[i] else 0.0
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
            "inferred_sex": infer_sex(xh, xa, x_hap_alt[i]),
        }
    return Summary(site, per_contig, samples)


# ---------------------------------------------------------------------------------------
# entry points


def _count_shard(args: tuple[str, str | None, int]) -> RawCounts:
    path, contig, nsamp = args
    src = inspect_source(path)
    return count_lines(path, _record_blocks(src, contig), nsamp, shard=contig)


def summarise(path: str | os.PathLike, threads: int = 1, progress: bool = False) -> Summary:
    """Summarise a VCF/BCF (plain, gzip or BGZF; any contigs; any number of samples).

    With an index and threads > 1 the file is sharded by contig over `threads` processes;
    the merged result is identical to the single-process one (see module docstring).
    """
    src = inspect_source(path)
    header = read_header(src)
    nsamp = len(header.samples)
    if threads > 1 and src.index is not None:
        contigs = index_contigs(src)
        raw = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
        jobs = [(str(src.path), c, nsamp) for c in contigs]
        ctx = get_context("fork")
        with ProcessPoolExecutor(max_workers=threads, mp_context=ctx) as pool:
            for done, part in enumerate(pool.map(_count_shard, jobs), start=1):
                raw.merge(part)
                if progress:
                    print(
                        f"  contig {done}/{len(jobs)}: {raw.records:,} records",
                        file=sys.stderr,
                        flush=True,
                    )
    else:
        if src.index is not None and src.compression != "bgzf":
            raise VcfError(
                src.path,
                "an index is present but the file is not BGZF-compressed",
                code=FileReason.NOT_BGZF,
            )
        offset = None if src.is_bcf else len(header.lines) + 1
        raw = count_lines(
            src.path, _record_blocks(src, None), nsamp, progress=progress, header_lines=offset
        )
    try:
        return expand(raw, header.samples)
    except ValueError as exc:  # e.g. a GT naming an allele the record does not have
        raise VcfError(src.path, f"malformed genotype: {exc}") from exc
