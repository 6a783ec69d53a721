"""From pattern counts to the `bcftools stats -s -` figures (SN, TSTV, PSC).

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

A `Tally` holds plain sums, so the tallies of disjoint parts of a file (contig shards) add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from domain.genes import X_CONTIGS
from variants.counting import RawCounts
from variants.vartype import (
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


def _anchored_indel(ref: str, alt: str) -> tuple[None, str] | None:
    """A key shared by every biallelic indel whose shorter allele is a prefix of the longer
    (`A`>`ACGT`, `ACGT`>`A`) and that carries no symbolic or breakend character: htslib
    types each as VCF_INDEL on its first base, so they share one allele class; None for
    anything else (classified in full)."""
    lr, la = len(ref), len(alt)
    if lr == la or "," in alt or alt[:1] in _SPECIAL:
        return None
    if la > lr:
        if not alt.startswith(ref) or alt[lr] in "[]":
            return None
    elif not ref.startswith(alt):
        return None
    return (None, ref[:1])  # None: never a (REF, ALT) key


_SPECIAL = frozenset("<[]*.")


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
    class_id: dict[tuple[str | None, str], int] = {}
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
            # identically from here on (lengths are not reported): one id for all of them.
            # Most distinct pairs are anchored indels (one allele a prefix of the other),
            # whose class follows from the anchor base alone: classified once per base.
            shape = _anchored_indel(ref, alt)
            cid = class_id.get(shape) if shape is not None else None
            if cid is None:
                cls = classify_alleles(ref, alt)
                same = (cls.line_type, cls.n_allele, cls.site, cls.types, cls.bases)
                cid = canon.get(same)
                if cid is None:
                    cid = canon[same] = len(classes)
                    classes.append(cls)
                if shape is not None:
                    class_id[shape] = cid
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
