"""Vectorised background of a simulated germline genome (private helper of `vcf.py`).

A real genome carries ~4.5 million variants, so the writer cannot afford per-record Python
for the bulk of them. This module does the bulk with numpy:

* a *virtual reference*: the base at (contig, pos) is a keyed hash of the position, so every
  file the simulator writes agrees on REF for a given position without a FASTA;
* *site attributes* (variant type, ALT, population frequency, consequence) are hashes of the
  position too, so two families that both carry a variant at a site carry the same variant
  with the same gnomAD frequency, as they would in a real population;
* *genotypes* are drawn per family from seeded random numbers: founders under Hardy-Weinberg
  from the site frequency, children from their sequenced parents' haplotypes (with a tiny
  Mendelian error rate), with ploidy following sex on chrX/chrY/chrM;
* text is assembled column-wise (lookup tables for every per-sample field) and joined with
  `str.join`, which keeps ~4.5 M records well inside a minute.

The statistical targets (domain.md): Ti/Tv ~2.05, indels ~13 % of records, het/hom-alt ~1.75
per sample. The site frequency is `u**7` for uniform `u`, for which the Hardy-Weinberg
expected het/hom-alt ratio per sample is 2k/(k+1) = 1.75 with k = 7.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from domain.genes import GRCH38_CONTIGS, genes

# GRCh38 primary assembly lengths (GCA_000001405.15).
CONTIG_LENGTHS: dict[str, int] = {
    "chr1": 248956422,
    "chr2": 242193529,
    "chr3": 198295559,
    "chr4": 190214555,
    "chr5": 181538259,
    "chr6": 170805979,
    "chr7": 159345973,
    "chr8": 145138636,
    "chr9": 138394717,
    "chr10": 133797422,
    "chr11": 135086622,
    "chr12": 133275309,
    "chr13": 114364328,
    "chr14": 107043718,
    "chr15": 101991189,
    "chr16": 90338345,
    "chr17": 83257441,
    "chr18": 80373285,
    "chr19": 58617616,
    "chr20": 64444167,
    "chr21": 46709983,
    "chr22": 50818468,
    "chrX": 156040895,
    "chrY": 57227415,
    "chrM": 16569,
}
CONTIG_INDEX: dict[str, int] = {c: i for i, c in enumerate(GRCH38_CONTIGS)}

# Pseudo-autosomal regions (GRCh38): diploid in both sexes on chrX; chrY's copies are masked
# in the analysis set, so the simulator never calls chrY inside them.
PAR_X: tuple[tuple[int, int], ...] = ((10001, 2781479), (155701383, 156030895))
PAR_Y: tuple[tuple[int, int], ...] = ((10001, 2781479), (56887903, 57217415))

# Relative variant density per contig: chrY is mostly unassembled heterochromatin and
# ampliconic sequence where callers report little.
DENSITY: dict[str, float] = {"chrY": 0.05, "chrM": 1.0}

BASES = np.array(list("ACGT"))
# Transition partner of A, C, G, T and the two transversion partners of each.
_TRANSITION = np.array([2, 3, 0, 1])  # A<->G, C<->T
_TRANSVERSION = np.array([[1, 3], [0, 2], [1, 3], [0, 2]])  # A->C/T, C->A/G, G->C/T, T->A/G

TS_FRACTION = 2.05 / 3.05  # Ti/Tv = p / (1 - p) = 2.05
# Site classes by cumulative probability: SNV, biallelic indel, MNP, multi-allelic indel.
P_SNV = 0.865
P_INDEL = 0.118
P_MNP = 0.005
AF_EXPONENT = 7.0
AF_MIN = 6.6e-6  # one allele in gnomAD v3 genomes' ~152 k samples
AF_MAX = 0.999
MENDEL_ERROR = 2e-4
MISSING_RATE = 0.002
MEAN_DEPTH = 32.0
MAX_DP = 127

# Genotype codes used in the per-sample lookup table.
GT_HOMREF, GT_HET, GT_HOMALT, GT_MISSING = 0, 1, 2, 3
_GT_TEXT = ("0/0", "0/1", "1/1", "./.")

# Background consequences: (SO term, IMPACT). Only common variants (AF >= COMMON_AF) may be
# missense, so the background never feeds a rare HIGH/MODERATE variant to the tiering.
COMMON_AF = 0.02
CONS_INTERGENIC = 0
CONS_INTRON = 1
CONS_UTR3 = 2
CONS_UTR5 = 3
CONS_SYNONYMOUS = 4
CONS_MISSENSE = 5
CONS_SPLICE_REGION = 6
CONS_NC_EXON = 7
CONSEQUENCES: tuple[tuple[str, str], ...] = (
    ("intergenic_variant", "MODIFIER"),
    ("intron_variant", "MODIFIER"),
    ("3_prime_UTR_variant", "MODIFIER"),
    ("5_prime_UTR_variant", "MODIFIER"),
    ("synonymous_variant", "LOW"),
    ("missense_variant", "MODERATE"),
    ("splice_region_variant&intron_variant", "LOW"),
    ("non_coding_transcript_exon_variant", "MODIFIER"),
)


# --------------------------------------------------------------------------------------
# Hashing: the virtual reference and per-site attributes
# --------------------------------------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = 0x9E3779B97F4A7C15


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-mixed 64-bit hash of each element."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64, copy=True)
        z ^= z >> np.uint64(30)
        z *= _M1
        z ^= z >> np.uint64(27)
        z *= _M2
        z ^= z >> np.uint64(31)
    return z


def site_keys(contig: str, pos: np.ndarray) -> np.ndarray:
    """A 64-bit key per position, unique across the genome."""
    return (np.uint64(CONTIG_INDEX[contig]) << np.uint64(32)) | pos.astype(np.uint64)


def site_uniform(keys: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0, 1) number per key and salt: the same everywhere the simulator runs."""
    salted = keys ^ np.uint64((_GOLDEN * (salt + 1)) & 0xFFFFFFFFFFFFFFFF)
    return (mix64(salted) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


# Base composition of the human genome (~41 % GC).
_BASE_CDF = np.array([0.295, 0.5, 0.705])


def ref_codes(contig: str, pos: np.ndarray) -> np.ndarray:
    """Reference base codes (0..3 = A, C, G, T) of the virtual reference at `pos`."""
    return np.searchsorted(_BASE_CDF, site_uniform(site_keys(contig, pos), 0), side="right")


def ref_sequence(contig: str, pos: int, length: int) -> str:
    """The virtual reference sequence at [pos, pos + length)."""
    codes = ref_codes(contig, np.arange(pos, pos + length, dtype=np.int64))
    return "".join(BASES[codes])


def inserted_sequence(contig: str, pos: int, length: int, salt: int = 7) -> str:
    """Deterministic inserted bases for an insertion after `pos`."""
    keys = site_keys(contig, np.full(length, pos, dtype=np.int64)) + np.arange(
        length, dtype=np.uint64
    ) * np.uint64(1 << 40)
    return "".join(BASES[(site_uniform(keys, salt) * 4).astype(np.int64)])


def in_par(contig: str, pos: np.ndarray) -> np.ndarray:
    """True where `pos` lies in a pseudo-autosomal region of `contig`."""
    regions = PAR_X if contig == "chrX" else PAR_Y if contig == "chrY" else ()
    out = np.zeros(pos.shape, dtype=bool)
    for lo, hi in regions:
        out |= (pos >= lo) & (pos <= hi)
    return out


# --------------------------------------------------------------------------------------
# Gene lookup (for CSQ SYMBOL) per contig
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContigGenes:
    starts: np.ndarray
    ends: np.ndarray
    symbols: list[str]
    ensembl: list[str]
    biotypes: list[str]


_SMALL_RNA = frozenset(
    {"U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "Y_RNA", "7SK", "Metazoa_SRP", "5S_rRNA",
     "5_8S_rRNA", "snoU13", "SCARNA20", "Vault"}
)  # fmt: skip


def _biotype(symbol: str) -> str:
    """Approximate Ensembl biotype from the symbol (the reference table carries none)."""
    if symbol.startswith(("LINC", "LNC")) or "-AS" in symbol or symbol.endswith(("-DT", "-IT1")):
        return "lncRNA"
    if symbol in _SMALL_RNA:
        return "snRNA" if symbol.startswith("U") else "misc_RNA"
    if symbol.startswith("MIR"):
        return "miRNA"
    if symbol.startswith(("SNOR", "SCARNA")):
        return "snoRNA"
    if symbol.startswith(("RNU", "RNVU")):
        return "snRNA"
    if "." in symbol:  # clone-based names (AC012345.1) are mostly lncRNA in Ensembl
        return "lncRNA"
    return "protein_coding"


@cache
def contig_genes(contig: str) -> ContigGenes:
    """Genes on a contig sorted by start, for vectorised position -> gene lookup."""
    rows = sorted(
        (g.start, g.end, g.symbol, g.ensembl_id) for g in genes().values() if g.chrom == contig
    )
    return ContigGenes(
        starts=np.array([r[0] for r in rows], dtype=np.int64),
        ends=np.array([r[1] for r in rows], dtype=np.int64),
        symbols=[r[2] for r in rows],
        ensembl=[r[3] for r in rows],
        biotypes=[_biotype(r[2]) for r in rows],
    )


def gene_index(contig: str, pos: np.ndarray) -> np.ndarray:
    """Index into contig_genes(contig) of a gene containing each position, or -1."""
    cg = contig_genes(contig)
    if len(cg.starts) == 0:
        return np.full(pos.shape, -1, dtype=np.int64)
    idx = np.searchsorted(cg.starts, pos, side="right") - 1
    ok = idx >= 0
    safe = np.where(ok, idx, 0)
    ok &= cg.ends[safe] >= pos
    # A long gene that started earlier may contain a position that the nearest-start gene
    # does not; look one gene further back before calling the position intergenic.
    back = np.where(safe > 0, safe - 1, 0)
    use_back = ~ok & (idx >= 1) & (cg.ends[back] >= pos)
    return np.where(ok, idx, np.where(use_back, back, -1))


# --------------------------------------------------------------------------------------
# Family structure for genotype sampling
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleSpec:
    """One sequenced family member as the genotype sampler needs it."""

    male: bool
    mother: int | None  # index of the sequenced mother in the sample list, if any
    father: int | None


def _ploidy(contig: str, male: bool, par: np.ndarray) -> np.ndarray:
    """Copies of the contig per position for a sample (0, 1 or 2)."""
    if contig == "chrM":
        return np.ones(par.shape, dtype=np.int8)
    if contig == "chrX":
        return np.where(par | (not male), 2, 1).astype(np.int8)
    if contig == "chrY":
        return np.where(par, 0, 1 if male else 0).astype(np.int8)
    return np.full(par.shape, 2, dtype=np.int8)


def _draw_alleles(rng: np.random.Generator, q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """One population haplotype per site: 0 ref, 1 first ALT, 2 second ALT."""
    u = rng.random(q1.shape[0])
    return np.where(u < q1, 1, np.where(u < q1 + q2, 2, 0)).astype(np.int8)


def sample_haplotypes(
    rng: np.random.Generator,
    contig: str,
    pos: np.ndarray,
    q1: np.ndarray,
    q2: np.ndarray,
    samples: Sequence[SampleSpec],
) -> tuple[np.ndarray, np.ndarray]:
    """Two haplotype arrays (n_samples, n_sites) with -1 where the copy does not exist.

    Samples are processed in an order where parents precede children; a child's maternal
    copy comes from one of its sequenced mother's copies (or the population when the mother
    is not sequenced), and its paternal copy likewise - except that a son has no paternal X
    and receives his father's Y, and chrM is inherited from the mother only.
    """
    n = pos.shape[0]
    par = in_par(contig, pos)
    h0 = np.full((len(samples), n), -1, dtype=np.int8)
    h1 = np.full((len(samples), n), -1, dtype=np.int8)
    order = sorted(
        range(len(samples)),
        key=lambda i: 0 if samples[i].mother is None and samples[i].father is None else 1,
    )
    for i in order:
        s = samples[i]
        ploidy = _ploidy(contig, s.male, par)
        # Maternal copy (h0): present whenever ploidy >= 1 except on chrY.
        if contig == "chrY":
            if s.father is not None and s.male:
                pat = h0[s.father]
                mat = np.where(pat >= 0, pat, _draw_alleles(rng, q1, q2))
            else:
                mat = _draw_alleles(rng, q1, q2)
            h0[i] = np.where(ploidy >= 1, mat, -1)
            continue
        if s.mother is not None:
            pick = rng.random(n) < 0.5
            m0, m1 = h0[s.mother], h1[s.mother]
            mat = np.where(pick & (m1 >= 0), m1, m0)
        else:
            mat = _draw_alleles(rng, q1, q2)
        h0[i] = np.where(ploidy >= 1, mat, -1)
        if contig == "chrM":
            continue
        # Paternal copy (h1): diploid regions only.
        if s.father is not None:
            f0, f1 = h0[s.father], h1[s.father]
            if contig == "chrX":
                # A father passes his single X outside the PARs; inside them either copy.
                pick = rng.random(n) < 0.5
                pat = np.where(pick & (f1 >= 0), f1, f0)
            else:
                pick = rng.random(n) < 0.5
                pat = np.where(pick, f1, f0)
        else:
            pat = _draw_alleles(rng, q1, q2)
        h1[i] = np.where(ploidy >= 2, pat, -1)
        if s.mother is not None or s.father is not None:
            # Mendelian errors: a rare wrong allele in a child (genotyping error or mosaic).
            err = rng.random(n) < MENDEL_ERROR
            if err.any():
                h0[i] = np.where(err & (h0[i] >= 0), 1 - np.minimum(h0[i], 1), h0[i])
    return h0, h1


# --------------------------------------------------------------------------------------
# Per-sample FORMAT text via lookup tables
# --------------------------------------------------------------------------------------


def _gq(gt: int, dp: int, alt: int) -> str:
    if gt == GT_HOMREF:
        return str(min(99, 3 * dp))
    if gt == GT_HOMALT:
        return str(min(99, 3 * alt))
    return str(min(99, 6 * min(alt, dp - alt) + 3))


@cache
def sample_field_table() -> np.ndarray:
    """'GT:DP:GQ:AD' text for every (gt code, DP, alt depth), flattened to one array."""
    table = np.empty(4 * (MAX_DP + 1) * (MAX_DP + 1), dtype=object)
    for gt in range(4):
        for dp in range(MAX_DP + 1):
            for alt in range(MAX_DP + 1):
                k = (gt * (MAX_DP + 1) + dp) * (MAX_DP + 1) + alt
                if gt == GT_MISSING or alt > dp:
                    table[k] = "./.:.:.:."
                else:
                    table[k] = f"{_GT_TEXT[gt]}:{dp}:{_gq(gt, dp, alt)}:{dp - alt},{alt}"
    return table


@cache
def int_strings(n: int) -> np.ndarray:
    """str(i) for i in 0..n-1 as an object array, for vectorised int -> text."""
    return np.array([str(i) for i in range(n)], dtype=object)


def draw_depths(rng: np.random.Generator, mean: np.ndarray | float, n: int) -> np.ndarray:
    """Read depths: gamma-Poisson (overdispersed like real WGS coverage)."""
    lam = rng.gamma(shape=12.0, scale=1.0 / 12.0, size=n) * mean
    return np.minimum(rng.poisson(lam), MAX_DP)


def allele_depths(rng: np.random.Generator, gt: np.ndarray, dp: np.ndarray) -> np.ndarray:
    """ALT read counts consistent with the genotype (balanced hets, rare errors in homs)."""
    out = np.zeros(gt.shape[0], dtype=np.int64)
    het = np.flatnonzero(gt == GT_HET)
    d = dp[het]
    out[het] = np.clip(rng.binomial(d, 0.49), np.minimum(d, 1), np.maximum(d - 1, 0))
    hom = np.flatnonzero(gt == GT_HOMALT)
    out[hom] = dp[hom] - rng.poisson(dp[hom] * 0.004)
    ref = np.flatnonzero(gt == GT_HOMREF)
    out[ref] = rng.poisson(dp[ref] * 0.002)
    return np.clip(out, 0, dp)


# --------------------------------------------------------------------------------------
# VEP CSQ
# --------------------------------------------------------------------------------------

#: The CSQ sub-fields, in the order the header's `Format:` declares (a VEP --everything
#: subset). Consumers must read the order from the header; this tuple is only the writer's.
CSQ_FIELDS: tuple[str, ...] = (
    "Allele",
    "Consequence",
    "IMPACT",
    "SYMBOL",
    "Gene",
    "Feature_type",
    "Feature",
    "BIOTYPE",
    "EXON",
    "INTRON",
    "HGVSc",
    "HGVSp",
    "cDNA_position",
    "CDS_position",
    "Protein_position",
    "Amino_acids",
    "Codons",
    "Existing_variation",
    "DISTANCE",
    "FLAGS",
    "SYMBOL_SOURCE",
    "HGNC_ID",
)


def csq_entry(**values: str) -> str:
    """One CSQ transcript entry: `|`-joined fields in CSQ_FIELDS order (missing = empty)."""
    unknown = set(values) - set(CSQ_FIELDS)
    if unknown:
        raise ValueError(f"unknown CSQ fields: {sorted(unknown)}")
    return "|".join(values.get(f, "") for f in CSQ_FIELDS)


def vep_allele(ref: str, alt: str, all_alts: Sequence[str] = ()) -> str:
    """VEP's Allele for an ALT: the shared leading base of REF and ALTs is trimmed.

    VEP trims the first base only when every allele at the site shares it (which is always
    the case for the simulator's indels and never for its SNVs and MNPs).
    """
    alleles = [ref, alt, *all_alts]
    if len(set(len(a) for a in alleles)) > 1 and len({a[0] for a in alleles}) == 1:
        return alt[1:] or "-"
    return alt


def _csq_tail(gene_idx: int, cons: int, contig: str) -> str:
    """The CSQ entry without its leading Allele (same for every ALT at one gene/consequence)."""
    term, impact = CONSEQUENCES[cons]
    if gene_idx < 0:
        entry = csq_entry(Consequence=term, IMPACT=impact)
    else:
        cg = contig_genes(contig)
        symbol = cg.symbols[gene_idx]
        entry = csq_entry(
            Consequence=term,
            IMPACT=impact,
            SYMBOL=symbol,
            Gene=cg.ensembl[gene_idx],
            Feature_type="Transcript",
            BIOTYPE=cg.biotypes[gene_idx],
            SYMBOL_SOURCE="Clone_based_ensembl_gene" if "." in symbol else "HGNC",
        )
    return entry[entry.index("|") :]


@cache
def _tail_cache(contig: str) -> np.ndarray:
    """Per-contig memo of CSQ tails, indexed by (gene index + 1) * n_consequences + cons."""
    return np.full((len(contig_genes(contig).symbols) + 1) * len(CONSEQUENCES), None, object)


def csq_tails(contig: str, gidx: np.ndarray, cons: np.ndarray) -> np.ndarray:
    """CSQ tails for each record, built once per (gene, consequence) per process."""
    memo = _tail_cache(contig)
    combo = (gidx + 1) * len(CONSEQUENCES) + cons
    seen = np.zeros(memo.shape[0], dtype=bool)
    seen[combo] = True
    for c in np.flatnonzero(seen).tolist():
        if memo[c] is None:
            memo[c] = _csq_tail(c // len(CONSEQUENCES) - 1, c % len(CONSEQUENCES), contig)
    return memo[combo]


# --------------------------------------------------------------------------------------
# The background block for one contig
# --------------------------------------------------------------------------------------

_INDEL_LEN_CDF = np.cumsum([0.52, 0.17, 0.07, 0.09, 0.04, 0.03, 0.02, 0.03, 0.015, 0.015])
MAX_INDEL = 10
FILTER_LOWQUAL = 0.010
FILTER_STRANDBIAS = 0.004


def _seq_matrix(contig: str, pos: np.ndarray, width: int) -> np.ndarray:
    """Reference base codes at pos..pos+width-1 for each pos: shape (n, width)."""
    grid = pos[:, None] + np.arange(width, dtype=np.int64)[None, :]
    return ref_codes(contig, grid.ravel()).reshape(grid.shape)


@cache
def _af_text_table() -> np.ndarray:
    """Text of every 3-significant-digit value 1.00e-9 .. 9.99e-1, indexed by af_code."""
    out = np.empty(10 * 1000, dtype=object)
    for e in range(-9, 1):
        for m in range(100, 1000):
            out[(e + 9) * 1000 + m] = f"{m * 10.0 ** (e - 3):.3g}"
    return out


def _af_code(q: np.ndarray) -> np.ndarray:
    """Index into _af_text_table of each (already quantised) value."""
    e = np.floor(np.log10(q) + 1e-9).astype(np.int64)
    m = np.rint(q / 10.0 ** (e - 2)).astype(np.int64)
    carry = m >= 1000  # rounding up to the next decade
    m = np.where(carry, m // 10, m)
    e = e + carry
    return (e + 1 + 9) * 1000 + m


def _format_af(q: np.ndarray) -> np.ndarray:
    """gnomAD-style AF text (3 significant digits) for each value, by table lookup."""
    return _af_text_table()[_af_code(q)]


def _quantise_af(q: np.ndarray) -> np.ndarray:
    """Round to 3 significant digits so the text written is the value the genotypes used."""
    e = np.floor(np.log10(q))
    scale = 10.0 ** (e - 2)
    return np.round(q / scale) * scale


@dataclass
class Block:
    """Text lines and positions of one contig's background records."""

    pos: np.ndarray
    lines: list[str]
    ref_len: np.ndarray  # len(REF) per record, for the index


def background_block(
    contig: str,
    candidates: np.ndarray,
    samples: Sequence[SampleSpec],
    rng: np.random.Generator,
    depth_scale: np.ndarray,
) -> Block:
    """Genotype the candidate positions for the family and render the variant records.

    Candidates where no sample carries an ALT allele are dropped (a joint call set lists
    only variant sites). `depth_scale` is each sample's coverage relative to MEAN_DEPTH.
    """
    pos = candidates.astype(np.int64)
    if pos.size and not bool(np.all(pos[1:] > pos[:-1])):  # wgs candidates arrive sorted
        pos = np.sort(pos)
        pos = pos[np.concatenate(([True], pos[1:] != pos[:-1]))]
    if contig == "chrY":
        pos = pos[~in_par(contig, pos)]
    n = pos.shape[0]
    if n == 0:
        return Block(pos, [], np.zeros(0, dtype=np.int64))
    # Only the attributes genotyping needs are hashed for every candidate; most candidates
    # are rare sites nobody in the family carries, and are dropped before the rest.
    keys = site_keys(contig, pos)
    u_type = site_uniform(keys, 1)
    u_af = site_uniform(keys, 3)
    is_multi = u_type >= P_SNV + P_INDEL + P_MNP

    q = _quantise_af(np.clip(u_af**AF_EXPONENT, AF_MIN, AF_MAX))
    q1 = np.where(is_multi, _quantise_af(np.clip(q * 0.6, AF_MIN, 0.54)), q)
    q2 = np.where(is_multi, _quantise_af(np.clip(q * 0.4, AF_MIN, 0.36)), 0.0)

    # Genotypes.
    h0, h1 = sample_haplotypes(rng, contig, pos, q1, q2, samples)
    present = h0 >= 0
    b = np.where(h1 >= 0, h1, h0)  # haploid copies are written as homozygous diploid calls
    a = h0
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    missing = (rng.random(h0.shape) < MISSING_RATE) | ~present
    carrier = (hi > 0) & ~missing
    keep = carrier.any(axis=0)
    pos, keys, lo, hi, missing, present = (
        pos[keep],
        keys[keep],
        lo[:, keep],
        hi[:, keep],
        missing[:, keep],
        present[:, keep],
    )
    q1, q2, u_type, is_multi = (x[keep] for x in (q1, q2, u_type, is_multi))
    n = pos.shape[0]
    if n == 0:
        return Block(pos, [], np.zeros(0, dtype=np.int64))
    u_alt = site_uniform(keys, 2)
    u_len = site_uniform(keys, 4)
    u_cons = site_uniform(keys, 5)
    u_ins = site_uniform(keys, 6)
    is_snv = u_type < P_SNV
    is_indel = (u_type >= P_SNV) & (u_type < P_SNV + P_INDEL)
    is_mnp = (u_type >= P_SNV + P_INDEL) & ~is_multi
    ns = len(samples)

    # Alleles.
    refc = ref_codes(contig, pos)
    ts = u_alt < TS_FRACTION
    tv_pick = ((u_alt - TS_FRACTION) / (1 - TS_FRACTION) * 2).astype(np.int64).clip(0, 1)
    altc = np.where(ts, _TRANSITION[refc], _TRANSVERSION[refc, tv_pick])
    ref_text = BASES.astype(object)[refc]
    alt_text = BASES.astype(object)[altc]
    length = np.searchsorted(_INDEL_LEN_CDF, u_len * _INDEL_LEN_CDF[-1], side="right") + 1
    length = np.minimum(length, MAX_INDEL)
    complex_idx = np.flatnonzero(~is_snv)
    if complex_idx.size:
        seq = _seq_matrix(contig, pos[complex_idx], MAX_INDEL + 1)
        ins_keys = keys[complex_idx, None] + (
            np.arange(1, MAX_INDEL + 1, dtype=np.uint64)[None, :] << np.uint64(40)
        )
        ins = (site_uniform(ins_keys.ravel(), 7) * 4).astype(np.int64).reshape(ins_keys.shape)
        letters = BASES.tolist()
        for j, i in enumerate(complex_idx.tolist()):
            row = [letters[c] for c in seq[j]]
            if is_indel[i]:
                k = int(length[i])
                if u_ins[i] < 0.5:  # deletion
                    ref_text[i] = "".join(row[: k + 1])
                    alt_text[i] = row[0]
                else:
                    ref_text[i] = row[0]
                    alt_text[i] = row[0] + "".join(letters[c] for c in ins[j, :k])
            elif is_mnp[i]:
                second = (seq[j, 1] + 1 + int(u_len[i] * 3)) % 4
                ref_text[i] = row[0] + row[1]
                alt_text[i] = letters[int(altc[i])] + letters[int(second)]
            else:  # multi-allelic: two deletions of different length at one site
                k = int(length[i]) % (MAX_INDEL - 1) + 1
                ref_text[i] = "".join(row[: k + 2])
                alt_text[i] = row[0] + "," + "".join(row[: k + 1])

    # Depths, allele depths and per-sample text.
    dp = np.empty((ns, n), dtype=np.int64)
    ad = np.empty((ns, n), dtype=np.int64)
    gt = np.empty((ns, n), dtype=np.int64)
    haploid_scale = np.ones(n)
    if contig in ("chrX", "chrY"):
        haploid_scale = np.where(in_par(contig, pos), 1.0, 0.5)
    table = sample_field_table()
    sample_text = []
    for s in range(ns):
        scale = depth_scale[s] * (haploid_scale if samples[s].male else 1.0)
        dp[s] = draw_depths(rng, MEAN_DEPTH * scale, n)
        g = np.where(hi[s] == 0, GT_HOMREF, np.where(lo[s] == 0, GT_HET, GT_HOMALT))
        g = np.where(missing[s] | (dp[s] == 0), GT_MISSING, g)
        gt[s] = g
        ad[s] = allele_depths(rng, g, dp[s])
        sample_text.append(table[(g * (MAX_DP + 1) + dp[s]) * (MAX_DP + 1) + ad[s]])

    # Multi-allelic rows: genotype text with allele indices and three allele depths.
    multi_idx = np.flatnonzero(is_multi)
    for i in multi_idx.tolist():
        for s in range(ns):
            if gt[s, i] == GT_MISSING:
                continue
            x, y = int(lo[s, i]), int(hi[s, i])
            d = int(dp[s, i])
            counts = [0, 0, 0]
            if x == y:
                counts[x] = d
            else:
                half = d // 2 + (i + s) % 2 * (d % 2)
                counts[x] += half
                counts[y] += d - half
            gq = 99 if d >= 12 else 3 * d
            sample_text[s][i] = f"{x}/{y}:{d}:{gq}:{counts[0]},{counts[1]},{counts[2]}"

    # QUAL and FILTER.
    alt_reads = np.where(gt != GT_MISSING, ad, 0).sum(axis=0)
    qual = np.minimum(30 + 27 * alt_reads + rng.integers(0, 27, n), 9999)
    u_filter = rng.random(n)
    low = u_filter < FILTER_LOWQUAL
    sb = (u_filter >= FILTER_LOWQUAL) & (u_filter < FILTER_LOWQUAL + FILTER_STRANDBIAS)
    qual = np.where(low, rng.integers(5, 30, n), qual)
    filt = np.full(n, "PASS", dtype=object)
    filt[low] = "LowQual"
    filt[sb] = "StrandBias"
    qual_text = int_strings(10000)[qual]
    site_dp = np.where(gt != GT_MISSING, dp, 0).sum(axis=0)
    dp_text = _prefixed("DP=", "int", int_strings(MAX_DP * ns + 1))[site_dp]

    # gnomAD AF text.
    af_text = _prefixed(";gnomADg_AF=", "af", _af_text_table())[_af_code(q1)]
    for i in multi_idx.tolist():
        af_text[i] = f";gnomADg_AF={q1[i]:.3g},{q2[i]:.3g}"

    # Consequences.
    gidx = gene_index(contig, pos)
    cg = contig_genes(contig)
    coding = np.zeros(n, dtype=bool)
    if cg.symbols:
        is_pc = np.array([b == "protein_coding" for b in cg.biotypes], dtype=bool)
        coding = (gidx >= 0) & is_pc[np.maximum(gidx, 0)]
    cons = np.full(n, CONS_INTERGENIC, dtype=np.int64)
    ingene = gidx >= 0
    cons[ingene] = CONS_INTRON
    nc = ingene & ~coding
    cons[nc & (u_cons < 0.05)] = CONS_NC_EXON
    cons[coding & (u_cons < 0.03)] = CONS_UTR3
    cons[coding & (u_cons >= 0.03) & (u_cons < 0.04)] = CONS_UTR5
    exonic_snv = coding & is_snv & (u_cons >= 0.04) & (u_cons < 0.065)
    missense = exonic_snv & (q1 >= COMMON_AF) & (u_ins < 0.4)
    cons[exonic_snv] = CONS_SYNONYMOUS
    cons[missense] = CONS_MISSENSE
    cons[coding & (u_cons >= 0.065) & (u_cons < 0.075)] = CONS_SPLICE_REGION
    if contig == "chrM":
        # Mitochondrial genes have no introns or UTRs: every in-gene variant is exonic.
        cons[ingene] = CONS_NC_EXON
        cons[coding & is_snv] = CONS_SYNONYMOUS
        cons[coding & is_snv & (q1 >= COMMON_AF) & (u_ins < 0.4)] = CONS_MISSENSE
        cons[coding & ~is_snv] = CONS_NC_EXON
    tails = csq_tails(contig, gidx, cons)

    # VEP alleles: SNV/MNP alleles are the ALT itself; indels drop the shared anchor base.
    # Each carries the ";CSQ=" key so that INFO is built with the fewest concatenations.
    allele = _prefixed(";CSQ=", "bases", BASES.astype(object))[altc]
    for i in np.flatnonzero(is_indel | is_mnp).tolist():
        a = alt_text[i]
        allele[i] = ";CSQ=" + (a if is_mnp[i] else a[1:] or "-")
    for i in multi_idx.tolist():
        alts = alt_text[i].split(",")
        allele[i] = ";CSQ=" + (
            ",".join((a[1:] or "-") + tails[i] for a in alts[:-1]) + "," + (alts[-1][1:] or "-")
        )
    info = dp_text + af_text + allele + tails

    contig_text = [contig] * n
    lines = list(
        map(
            "\t".join,
            zip(
                contig_text,
                int_pos_text(pos),
                ["."] * n,
                ref_text.tolist(),
                alt_text.tolist(),
                qual_text.tolist(),
                filt.tolist(),
                info.tolist(),
                ["GT:DP:GQ:AD"] * n,
                *(t.tolist() for t in sample_text),
                strict=True,
            ),
        )
    )
    ref_len = np.ones(n, dtype=np.int64)
    ref_len[complex_idx] = [len(ref_text[i]) for i in complex_idx.tolist()]
    return Block(pos, lines, ref_len)


def _prefixed(prefix: str, name: str, table: np.ndarray) -> np.ndarray:
    """`prefix + text` for every entry of a named lookup table (memoised)."""
    key = (prefix, name, len(table))
    if key not in _PREFIXED:
        _PREFIXED[key] = np.array([prefix + (t or "") for t in table.tolist()], dtype=object)
    return _PREFIXED[key]


_PREFIXED: dict[tuple[str, str, int], np.ndarray] = {}


def int_pos_text(pos: np.ndarray) -> list[str]:
    """Positions as decimal text."""
    return list(map(str, pos.tolist()))
