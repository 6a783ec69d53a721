"""The simulator's VCF and QC writer: germline family VCFs, tumour-normal VCFs, QC JSON.

The files follow /work/shared/feeds.md exactly (bgzipped VCFv4.2 with a tabix index, GRCh38
contigs, VEP `CSQ` whose layout is declared in the header, `gnomADg_AF`, FORMAT
GT:DP:GQ:AD), because the loaders accept exactly that and nothing looser.

A germline file has three kinds of record:

* the *background* (vcf_background.py): the statistics of a real genome - Ti/Tv ~2.05,
  indels ~13 %, het/hom-alt ~1.75, Mendelian inheritance - and only MODIFIER/LOW
  consequences for rare variants, so nothing in it can be tiered;
* *planted* causal variants realising the family's `CausalPlan`s: the oracle the tiering
  tests check against;
* *decoys* in the panel genes: rare damaging-looking variants that each fail one GEL
  tiering rule (FILTER, frequency, impact, or segregation), so a tiering implementation
  that skips a rule shows up as an unexpected tier.

Everything is derived from `seed` (and, for the virtual reference, from the position), so
the same arguments give byte-identical files. Compression (vcf_bgzf.py: multi-threaded,
timestamp-free BGZF) and the tabix index (vcf_tabix.py: built from the offsets known while
writing) are the project's own because htslib's single-threaded level-6 BGZF plus a
re-reading `pysam.tabix_index` would take about half of a whole genome's budget; both are
checked against htslib readers and htslib's own index in tests/test_simulator_vcf.py.

Male chrX outside the PARs and chrY are written as diploid homozygous calls (`1/1`, never a
het), the GATK convention; readers should treat a male's non-PAR X `1/1` as hemizygous.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from loaders.reference_data import GRCH38_CONTIGS, genes
from loaders.simulator import vcf_background as bg
from loaders.simulator.model import (
    MOI_BIALLELIC,
    MOI_MONOALLELIC,
    MOI_XLINKED,
    SEG_COMPOUND_HET,
    SEG_DE_NOVO,
    SEG_HOMOZYGOUS,
    SEG_INHERITED_DOMINANT,
    SEG_XLINKED_HEMI,
    CausalPlan,
    Family,
    Gene,
    Participant,
    PlantedVariant,
)
from loaders.simulator.vcf_bgzf import BgzfWriter
from loaders.simulator.vcf_tabix import ContigRecords, write_tbi

log = logging.getLogger(__name__)

SCALE_DEMO = "demo"
SCALE_WGS = "wgs"
SCALES = (SCALE_DEMO, SCALE_WGS)

#: Variant calls per sample in a real ~30x genome.
WGS_VARIANTS_PER_GENOME = 4_500_000
#: Genome-wide background records of a demo file (panel-gene regions come on top).
DEMO_BACKGROUND_RECORDS = 3_000
#: Background records around a planted/decoy variant are cleared in this window so the
#: special record never shares (or overlaps) a position with background.
SPECIAL_CLEARANCE = 150
#: Somatic mutations per tumour genome (a typical solid tumour: a few per megabase).
WGS_SOMATIC_RECORDS = 12_000
DEMO_SOMATIC_RECORDS = 400
#: zlib level for BGZF blocks: 1 is ~3.5x faster than htslib's default 6 for ~35 % more
#: bytes, the right trade for simulated data that is generated far more often than stored.
BGZF_LEVEL = 1

HIGH_CONSEQUENCES = (
    "stop_gained",
    "frameshift_variant",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "start_lost",
)
MODERATE_CONSEQUENCES = ("missense_variant", "missense_variant", "inframe_deletion")

#: Sex-chromosome discordance rate for participants whose genetic sex may differ from the
#: reported sex (QC sees a few per thousand: registration errors, sex-chromosome
#: aneuploidy, sample swaps).
SEX_DISCORDANCE = 0.004

# Real cancer genes (HGNC symbols) for somatic driver mutations.
CANCER_GENES = (
    "TP53",
    "KRAS",
    "PIK3CA",
    "APC",
    "BRAF",
    "EGFR",
    "PTEN",
    "ARID1A",
    "KMT2D",
    "CDKN2A",
    "SMAD4",
    "NRAS",
    "FBXW7",
    "CTNNB1",
    "GATA3",
)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator per (seed, stream): adding a stream never shifts another."""
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, *stream]))


def _stable_uniform(text: str) -> float:
    """A uniform [0, 1) number from text, stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2.0**64


def genetic_sex(participant: Participant) -> str:
    """The sex the simulated genome shows ('male'/'female') - what QC infers from chrX.

    Parents and rare-disease probands have their reported sex (the inheritance model and
    X-linked plans rely on it); other participants disagree with the reported sex at
    SEX_DISCORDANCE, and `unknown` reported sex resolves either way. Keyed on referral_id,
    so the VCF writer and qc_metrics agree whatever seeds they are given.
    """
    u = _stable_uniform(f"genetic-sex|{participant.referral_id}")
    reported = participant.sex
    role = participant.relationship_to_proband
    if reported not in ("male", "female"):
        if role == "mother":
            return "female"
        if role == "father":
            return "male"
        return "male" if u < 0.5 else "female"
    fixed = role in ("mother", "father") or (
        role == "proband" and participant.programme == "rare_disease"
    )
    if not fixed and u < SEX_DISCORDANCE:
        return "female" if reported == "male" else "male"
    return reported


# --------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------


def vcf_header(sample_names: Sequence[str], somatic: bool = False) -> str:
    """The VCF header text (meta lines and the #CHROM line)."""
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality call (QUAL < 30)">',
        '##FILTER=<ID=StrandBias,Description="ALT reads come predominantly from one strand">',
    ]
    if somatic:
        lines.append(
            '##FILTER=<ID=LowDepth,Description="Tumour or normal depth below the calling '
            'threshold">'
        )
    lines += [
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Combined read depth across samples">',
        '##INFO=<ID=gnomADg_AF,Number=A,Type=Float,Description="Alternate allele frequency '
        'in gnomAD genomes v3.1.2 (absent: not seen in gnomAD)">',
    ]
    if somatic:
        lines.append(
            '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation: present in '
            'the tumour, absent from the matched normal">'
        )
    lines += [
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        "Ensembl VEP. Format: " + "|".join(bg.CSQ_FIELDS) + '">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the REF and '
        'ALT alleles">',
    ]
    lines += [
        f"##contig=<ID={c},length={bg.CONTIG_LENGTHS[c]},assembly=GRCh38>" for c in GRCH38_CONTIGS
    ]
    lines += [
        "##reference=GRCh38",
        "##source=genomics-warehouse simulator",
        '##VEP="v105" cache="homo_sapiens/105_GRCh38" ensembl=105',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
            + list(sample_names)
        ),
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Family structure
# --------------------------------------------------------------------------------------


def _sequenced(family: Family) -> list[Participant]:
    return [m for m in family.members if m.germline_platekey]


def _sample_specs(members: Sequence[Participant]) -> list[bg.SampleSpec]:
    """Inheritance links among the sequenced members (children: proband and siblings)."""
    mother = next((i for i, m in enumerate(members) if m.relationship_to_proband == "mother"), None)
    father = next((i for i, m in enumerate(members) if m.relationship_to_proband == "father"), None)
    specs = []
    for m in members:
        child = m.relationship_to_proband in ("proband", "sibling")
        specs.append(
            bg.SampleSpec(
                male=genetic_sex(m) == "male",
                mother=mother if child else None,
                father=father if child else None,
            )
        )
    return specs


# --------------------------------------------------------------------------------------
# Special (planted and decoy) records
# --------------------------------------------------------------------------------------


@dataclass
class Special:
    """A hand-made record: genotypes as allele pairs per sample, in sample order."""

    contig: str
    pos: int
    ref: str
    alt: str
    consequence: str
    impact: str
    gene: Gene
    hgnc_id: str
    af: float | None
    filter: str
    genotypes: list[tuple[int, int]]


def _variant_alleles(
    rng: np.random.Generator, contig: str, pos: int, consequence: str
) -> tuple[str, str]:
    """REF/ALT on the virtual reference with the shape the consequence needs."""
    if consequence == "frameshift_variant":
        k = int(rng.choice([1, 2, 4]))
        if rng.random() < 0.6:
            ref = bg.ref_sequence(contig, pos, k + 1)
            return ref, ref[0]
        ref = bg.ref_sequence(contig, pos, 1)
        return ref, ref + bg.inserted_sequence(contig, pos, k, salt=11)
    if consequence == "inframe_deletion":
        ref = bg.ref_sequence(contig, pos, 4)
        return ref, ref[0]
    ref = bg.ref_sequence(contig, pos, 1)
    choices = [b for b in "ACGT" if b != ref]
    return ref, choices[int(rng.integers(0, 3))]


def _pick_position(
    rng: np.random.Generator, gene: Gene, taken: dict[str, list[int]], pad: int = 400
) -> int:
    """A position inside the gene, clear of other special records and of the PARs."""
    lo, hi = gene.start + 1, max(gene.start + 2, gene.end - 10)
    for _ in range(200):
        pos = int(rng.integers(lo, hi))
        if bg.in_par(gene.chrom, np.array([pos]))[0]:
            continue
        others = taken.get(gene.chrom, [])
        if all(abs(pos - o) > pad for o in others):
            taken.setdefault(gene.chrom, []).append(pos)
            return pos
        pad = max(20, pad // 2)
    raise ValueError(f"no free position for a planted variant in {gene.symbol}")


def _het_or_hemi(member_male: bool, contig: str, pos: int) -> tuple[int, int]:
    """One ALT copy: heterozygous, or hemizygous (written 1/1) on a male's X/Y outside PAR."""
    if member_male and contig in ("chrX", "chrY") and not bg.in_par(contig, np.array([pos]))[0]:
        return (1, 1)
    return (0, 1)


def _plan_genotypes(
    plan: CausalPlan,
    members: Sequence[Participant],
    specs: Sequence[bg.SampleSpec],
    contig: str,
    pos: int,
    rng: np.random.Generator,
    allele_from: str | None = None,
) -> list[tuple[int, int]]:
    """Genotypes realising a plan's segregation (see domain.md, tiering rules).

    `allele_from` is 'mother'/'father' for the two halves of a compound heterozygote.
    """
    ref = (0, 0)
    out: list[tuple[int, int]] = []
    seg = plan.segregation
    for m, s in zip(members, specs, strict=True):
        role = m.relationship_to_proband
        affected = m.affection_status == "affected"
        one = _het_or_hemi(s.male, contig, pos)
        if seg == SEG_DE_NOVO:
            out.append(one if role == "proband" else ref)
        elif seg == SEG_INHERITED_DOMINANT:
            out.append(one if affected or role == "proband" else ref)
        elif seg == SEG_HOMOZYGOUS:
            if affected or role == "proband":
                out.append((1, 1))
            elif role in ("mother", "father"):
                out.append(one)
            elif role == "sibling":
                out.append(one if rng.random() < 0.67 else ref)
            else:
                out.append(ref)
        elif seg == SEG_COMPOUND_HET:
            if affected or role == "proband":
                out.append(one)
            elif role == allele_from:
                out.append(one)
            elif role == "sibling":
                # An unaffected sibling carries at most one of the two variants.
                draw = rng.random()
                which = "mother" if draw < 0.33 else "father" if draw < 0.67 else None
                out.append(one if which == allele_from else ref)
            else:
                out.append(ref)
        elif seg == SEG_XLINKED_HEMI:
            if role == "proband" or (affected and s.male):
                out.append((1, 1))
            elif role == "mother" or (affected and not s.male):
                out.append((0, 1))  # carrier mother; an affected female shows the variant
            elif role == "sibling" and not s.male:
                out.append((0, 1) if rng.random() < 0.5 else ref)
            else:
                out.append(ref)
        else:
            raise ValueError(f"unknown segregation {seg!r} in a CausalPlan")
    return out


def _default_moi(segregation: str) -> str:
    if segregation in (SEG_DE_NOVO, SEG_INHERITED_DOMINANT):
        return MOI_MONOALLELIC
    if segregation == SEG_XLINKED_HEMI:
        return MOI_XLINKED
    return MOI_BIALLELIC


def _planted(
    family: Family,
    members: Sequence[Participant],
    specs: Sequence[bg.SampleSpec],
    rng: np.random.Generator,
    taken: dict[str, list[int]],
) -> tuple[list[Special], list[PlantedVariant]]:
    """Special records and oracle entries for every CausalPlan of the family."""
    specials: list[Special] = []
    planted: list[PlantedVariant] = []
    for plan in family.causal:
        gene = plan.gene
        if plan.impact not in ("HIGH", "MODERATE"):
            raise ValueError(f"CausalPlan impact must be HIGH or MODERATE, got {plan.impact!r}")
        if plan.segregation == SEG_XLINKED_HEMI:
            if gene.chrom != "chrX":
                raise ValueError(f"x-linked plan in {gene.symbol}, which is on {gene.chrom}")
            if genetic_sex(family.proband) != "male":
                raise ValueError(
                    f"x-linked hemizygous plan for family {family.family_id} needs a male proband"
                )
        halves = ["mother", "father"] if plan.segregation == SEG_COMPOUND_HET else [None]
        for half in halves:
            options = HIGH_CONSEQUENCES if plan.impact == "HIGH" else MODERATE_CONSEQUENCES
            consequence = str(options[int(rng.integers(0, len(options)))])
            pos = _pick_position(rng, gene, taken)
            ref, alt = _variant_alleles(rng, gene.chrom, pos, consequence)
            af = None if rng.random() < 0.4 else float(f"{10 ** rng.uniform(-5.2, -3.6):.3g}")
            genotypes = _plan_genotypes(plan, members, specs, gene.chrom, pos, rng, half)
            hgnc = plan.panel_gene.hgnc_id if plan.panel_gene else ""
            specials.append(
                Special(
                    gene.chrom,
                    pos,
                    ref,
                    alt,
                    consequence,
                    plan.impact,
                    gene,
                    hgnc,
                    af,
                    "PASS",
                    genotypes,
                )
            )
            moi = (
                plan.panel_gene.mode_of_inheritance
                if plan.panel_gene
                else _default_moi(plan.segregation)
            )
            planted.append(
                PlantedVariant(
                    family_id=family.family_id,
                    chrom=gene.chrom,
                    pos=pos,
                    ref=ref,
                    alt=alt,
                    gene_symbol=gene.symbol,
                    consequence=consequence,
                    impact=plan.impact,
                    segregation=plan.segregation,
                    mode_of_inheritance=moi,
                )
            )
    return specials, planted


def _decoys(
    family: Family,
    members: Sequence[Participant],
    panel_genes: Sequence[Gene],
    rng: np.random.Generator,
    taken: dict[str, list[int]],
) -> list[Special]:
    """Damaging-looking panel-gene variants that each fail one tiering rule.

    Decoys stay on autosomes and out of the causal genes, so none can complete a compound
    heterozygote or an X-linked pattern. Kinds:
      - LowQual: a rare stop_gained, de novo-looking, FILTER LowQual (fails FILTER);
      - common: a missense at gnomAD AF 3-25 %, inherited (fails frequency);
      - low impact: a rare de novo-looking synonymous variant (fails impact);
      - unaffected carrier: a rare frameshift/missense the proband shares with an
        unaffected sequenced parent (fails segregation under every mode: not dominant
        because an unaffected member carries it, not biallelic because it is one het).
    """
    causal = {p.gene.symbol for p in family.causal}
    pool = sorted(
        {g.symbol: g for g in panel_genes if g.symbol not in causal}.values(),
        key=lambda g: g.symbol,
    )
    pool = [g for g in pool if g.chrom not in ("chrX", "chrY", "chrM") and g.end - g.start > 50]
    if not pool:
        return []
    proband_i = next(
        (i for i, m in enumerate(members) if m.relationship_to_proband == "proband"), None
    )
    if proband_i is None:
        return []
    parents = {m.relationship_to_proband: i for i, m in enumerate(members)}
    unaffected_parents = [
        i
        for role, i in parents.items()
        if role in ("mother", "father") and members[i].affection_status == "unaffected"
    ]
    n = len(members)
    kinds = ["lowqual", "common", "low_impact"]
    if unaffected_parents:
        kinds.append("unaffected_carrier")
    out: list[Special] = []
    picks = rng.choice(len(pool), size=min(len(kinds), len(pool)), replace=False)
    for kind, gi in zip(kinds, picks.tolist(), strict=False):
        gene = pool[gi]
        pos = _pick_position(rng, gene, taken)
        gts = [(0, 0)] * n
        gts[proband_i] = (0, 1)
        filt, af = "PASS", None
        if kind == "lowqual":
            consequence, impact, filt = "stop_gained", "HIGH", "LowQual"
        elif kind == "common":
            consequence, impact = "missense_variant", "MODERATE"
            af = float(f"{rng.uniform(0.03, 0.25):.3g}")
            for role in ("mother", "father"):
                if role in parents and rng.random() < 0.5:
                    gts[parents[role]] = (0, 1)
                    break
        elif kind == "low_impact":
            consequence, impact = "synonymous_variant", "LOW"
            af = float(f"{10 ** rng.uniform(-5, -3.5):.3g}")
        else:
            consequence, impact = (
                ("frameshift_variant", "HIGH")
                if rng.random() < 0.5
                else ("missense_variant", "MODERATE")
            )
            carrier = unaffected_parents[int(rng.integers(0, len(unaffected_parents)))]
            gts[carrier] = (0, 1)
            for i, m in enumerate(members):
                if m.relationship_to_proband == "sibling" and rng.random() < 0.5:
                    gts[i] = (0, 1)
        ref, alt = _variant_alleles(rng, gene.chrom, pos, consequence)
        out.append(Special(gene.chrom, pos, ref, alt, consequence, impact, gene, "", af, filt, gts))
    return out


_EXONIC = {
    "stop_gained",
    "frameshift_variant",
    "start_lost",
    "missense_variant",
    "inframe_deletion",
    "inframe_insertion",
    "synonymous_variant",
    "stop_lost",
}


def _special_line(
    sp: Special, rng: np.random.Generator, depth_scale: np.ndarray, males: Sequence[bool]
) -> str:
    """Render a special record with depths and allele depths consistent with its genotypes."""
    fields = []
    alt_reads = 0
    total = 0
    haploid = sp.contig in ("chrX", "chrY") and not bg.in_par(sp.contig, np.array([sp.pos]))[0]
    for s, (a, b) in enumerate(sp.genotypes):
        mean = bg.MEAN_DEPTH * depth_scale[s] * (0.5 if haploid and males[s] else 1.0)
        dp = max(8, int(bg.draw_depths(rng, mean, 1)[0]))
        code = a + b
        g = bg.GT_HOMREF if code == 0 else bg.GT_HET if code == 1 else bg.GT_HOMALT
        ad = int(bg.allele_depths(rng, np.array([g]), np.array([dp]))[0])
        if g == bg.GT_HET:
            ad = min(max(ad, 3), dp - 2)
        fields.append(bg.sample_field_table()[(g * (bg.MAX_DP + 1) + dp) * (bg.MAX_DP + 1) + ad])
        alt_reads += ad
        total += dp
    qual = int(rng.integers(5, 30)) if sp.filter == "LowQual" else min(9999, 30 + 27 * alt_reads)
    # The reference table has no transcript models: exon counts are a stable function of
    # the gene and exon numbers of the position, so one gene always shows one exon count.
    seed_text = f"{sp.gene.symbol}|{sp.pos}"
    n_exons = 4 + int(_stable_uniform(sp.gene.symbol) * 30)
    exon = intron = ""
    if sp.consequence == "start_lost":
        exon = f"1/{n_exons}"
    elif sp.consequence in _EXONIC:
        exon = f"{1 + int(_stable_uniform(seed_text + 'e') * n_exons)}/{n_exons}"
    elif sp.consequence.startswith("splice"):
        intron = f"{1 + int(_stable_uniform(seed_text + 'i') * (n_exons - 1))}/{n_exons - 1}"
    csq = bg.csq_entry(
        Allele=bg.vep_allele(sp.ref, sp.alt),
        Consequence=sp.consequence,
        IMPACT=sp.impact,
        SYMBOL=sp.gene.symbol,
        Gene=sp.gene.ensembl_id,
        Feature_type="Transcript",
        BIOTYPE="protein_coding",
        EXON=exon,
        INTRON=intron,
        SYMBOL_SOURCE="HGNC",
        HGNC_ID=sp.hgnc_id,
    )
    info = f"DP={total}"
    if sp.af is not None:
        info += f";gnomADg_AF={sp.af:.3g}"
    info += f";CSQ={csq}"
    return "\t".join(
        [
            sp.contig,
            str(sp.pos),
            ".",
            sp.ref,
            sp.alt,
            str(qual),
            sp.filter,
            info,
            "GT:DP:GQ:AD",
            *fields,
        ]
    )


# --------------------------------------------------------------------------------------
# Candidates and the writer
# --------------------------------------------------------------------------------------


@cache
def _keep_rates(specs: tuple[bg.SampleSpec, ...]) -> tuple[float, float]:
    """(records per candidate site, ALT-carrying calls per sample per candidate) by pilot.

    The family structure decides how many candidate sites become records (a trio's union is
    bigger than one genome), so a small autosomal pilot calibrates the candidate density.
    It depends only on the family structure (fixed pilot seed), hence the cache.
    """
    rng = _rng(0x9170, 99)
    pos = np.unique(rng.integers(1_000_000, 200_000_000, size=60_000))
    keys = bg.site_keys("chr1", pos)
    q = np.clip(bg.site_uniform(keys, 3) ** bg.AF_EXPONENT, bg.AF_MIN, bg.AF_MAX)
    h0, h1 = bg.sample_haplotypes(rng, "chr1", pos, q, np.zeros(pos.size), specs)
    carrier = (h0 > 0) | (h1 > 0)
    return float(carrier.any(axis=0).mean()), float(carrier.mean(axis=1).mean())


def _candidates(
    scale: str,
    panel_genes: Sequence[Gene],
    specs: Sequence[bg.SampleSpec],
    seed: int,
    records: int | None,
) -> dict[str, np.ndarray]:
    """Candidate background positions per contig for the requested scale."""
    rng = _rng(seed, 1)
    p_keep, p_sample = _keep_rates(tuple(specs))
    weights = np.array(
        [bg.CONTIG_LENGTHS[c] * bg.DENSITY.get(c, 1.0) for c in GRCH38_CONTIGS], dtype=float
    )
    weights /= weights.sum()
    if records is not None:
        total = records / p_keep
    elif scale == SCALE_WGS:
        total = WGS_VARIANTS_PER_GENOME / p_sample
    else:
        total = DEMO_BACKGROUND_RECORDS / p_keep
    out: dict[str, list[np.ndarray]] = {c: [] for c in GRCH38_CONTIGS}
    for c, w in zip(GRCH38_CONTIGS, weights.tolist(), strict=True):
        length = bg.CONTIG_LENGTHS[c]
        lo, hi = (1, length) if c == "chrM" else (10_001, length - 10_000)
        # A Bernoulli process along the contig: geometric gaps give sorted, distinct
        # positions directly (no sort of tens of millions of candidates).
        expected = total * w
        p = min(1.0, expected / (hi - lo))
        gaps = rng.geometric(p, size=int(expected + 6 * np.sqrt(expected) + 16))
        pos = lo - 1 + np.cumsum(gaps)
        out[c].append(pos[pos < hi])
    if scale == SCALE_DEMO and records is None:
        # Panel-gene regions are dense, as in a real genome, so per-gene views are realistic.
        for g in sorted({g.symbol: g for g in panel_genes}.values(), key=lambda g: g.symbol):
            if g.chrom not in out:
                continue
            k = int(np.clip((g.end - g.start) // 2000, 3, 20) / p_keep)
            out[g.chrom].append(rng.integers(g.start, g.end + 1, size=k))
    return {c: np.concatenate(v) for c, v in out.items()}


def _clear_around(pos: np.ndarray, specials: Sequence[int]) -> np.ndarray:
    """Drop candidate positions within SPECIAL_CLEARANCE of a special record."""
    if not specials:
        return pos
    sp = np.sort(np.array(specials, dtype=np.int64))
    idx = np.searchsorted(sp, pos)
    near = np.zeros(pos.shape, dtype=bool)
    for j in (idx - 1, idx):
        ok = (j >= 0) & (j < sp.size)
        near |= ok & (np.abs(pos - sp[np.clip(j, 0, sp.size - 1)]) <= SPECIAL_CLEARANCE)
    return pos[~near]


def _write_records(
    out: BgzfWriter,
    contig: str,
    pos: np.ndarray,
    ref_len: np.ndarray,
    lines: list[str],
    indexed: list[ContigRecords],
) -> None:
    """Write one contig's sorted lines and note their coordinates and offsets for the index.

    Lines are ASCII, so character counts are byte counts.
    """
    if not lines:
        return
    start = out.tell()
    out.write(("\n".join(lines) + "\n").encode("ascii"))
    size = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines)) + 1
    u_end = start + np.cumsum(size)
    beg = pos.astype(np.int64) - 1
    indexed.append(ContigRecords(contig, beg, beg + ref_len, u_end - size, u_end))


def write_germline_vcf(
    path: Path,
    family: Family,
    panel_genes: Sequence[Gene],
    scale: str,
    seed: int,
    *,
    records: int | None = None,
    on_contig: Callable[[str, int], None] | None = None,
) -> list[PlantedVariant]:
    """Write the family's joint-called germline VCF (BGZF + tabix) and return its plants.

    Samples are the members with a germline platekey, in member order, named by platekey.
    `records` overrides the scale's size with an approximate record count using the same
    statistical model as `wgs` (tests use it to make a small wgs-like genome);
    `on_contig(contig, records_written)` reports progress.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    members = _sequenced(family)
    if not members:
        raise ValueError(f"family {family.family_id} has no member with a germline platekey")
    if family.causal and not family.proband.germline_platekey:
        raise ValueError(
            f"family {family.family_id} has causal plans but its proband is not sequenced"
        )
    specs = _sample_specs(members)
    rng = _rng(seed, 2)
    taken: dict[str, list[int]] = {}
    specials, planted = _planted(family, members, specs, rng, taken)
    specials += _decoys(family, members, panel_genes, rng, taken)
    depth_scale = np.clip(_rng(seed, 3).normal(1.0, 0.08, len(members)), 0.75, 1.25)
    males = [s.male for s in specs]
    special_lines = {id(sp): _special_line(sp, rng, depth_scale, males) for sp in specials}
    candidates = _candidates(scale, panel_genes, specs, seed, records)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = vcf_header([m.germline_platekey or "" for m in members])
    written = 0
    indexed: list[ContigRecords] = []
    with BgzfWriter(path, level=BGZF_LEVEL) as out:
        out.write(header.encode())
        for ci, contig in enumerate(GRCH38_CONTIGS):
            here = [sp for sp in specials if sp.contig == contig]
            cand = _clear_around(candidates[contig], [sp.pos for sp in here])
            block = bg.background_block(contig, cand, specs, _rng(seed, 10, ci), depth_scale)
            pos, ref_len, lines = block.pos, block.ref_len, block.lines
            if here:
                pos = np.concatenate([pos, np.array([sp.pos for sp in here], dtype=np.int64)])
                ref_len = np.concatenate(
                    [ref_len, np.array([len(sp.ref) for sp in here], dtype=np.int64)]
                )
                lines = lines + [special_lines[id(sp)] for sp in here]
                order = np.argsort(pos, kind="stable")
                pos, ref_len = pos[order], ref_len[order]
                lines = [lines[i] for i in order.tolist()]
            _write_records(out, contig, pos, ref_len, lines, indexed)
            written += len(lines)
            if on_contig:
                on_contig(contig, written)
    write_tbi(str(path) + ".tbi", indexed, out.block_offsets)
    log.debug("wrote %s: %d records, %d planted", path.name, written, len(planted))
    return planted


# --------------------------------------------------------------------------------------
# Somatic (tumour-normal) VCF
# --------------------------------------------------------------------------------------


def _somatic_positions(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Uniform somatic positions over the autosomes and chrX (sorted, unique per contig)."""
    contigs = [c for c in GRCH38_CONTIGS if c not in ("chrY", "chrM")]
    weights = np.array([bg.CONTIG_LENGTHS[c] for c in contigs], dtype=float)
    counts = rng.multinomial(n, weights / weights.sum())
    out = {}
    for c, k in zip(contigs, counts.tolist(), strict=True):
        pos = np.unique(rng.integers(10_001, bg.CONTIG_LENGTHS[c] - 10_000, size=k))
        out[c] = pos[~bg.in_par(c, pos)] if c == "chrX" else pos
    return out


def write_somatic_vcf(
    path: Path, participant: Participant, scale: str, seed: int, *, records: int | None = None
) -> int:
    """Write a tumour-normal somatic VCF (BGZF + tabix); return the number of records.

    Columns: the matched normal (germline platekey) then the tumour (tumour platekey). The
    tumour has a purity, and each mutation is clonal (VAF ~ purity / 2) or subclonal; the
    normal carries essentially no ALT reads. A few drivers land in real cancer genes with
    HIGH/MODERATE consequences; the rest follow the genome's gene/intergenic layout.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    if not participant.germline_platekey or not participant.tumour_platekey:
        raise ValueError(
            f"participant {participant.referral_id} needs a germline and a tumour platekey"
        )
    rng = _rng(seed, 20)
    n = records or (WGS_SOMATIC_RECORDS if scale == SCALE_WGS else DEMO_SOMATIC_RECORDS)
    purity = float(rng.uniform(0.3, 0.9))
    normal_scale, tumour_scale = 1.0, 75.0 / bg.MEAN_DEPTH
    positions = _somatic_positions(rng, n)
    # Drivers: real cancer genes, HIGH or MODERATE.

    known = [genes()[g] for g in CANCER_GENES if g in genes()]
    drivers: dict[tuple[str, int], tuple[Gene, str, str]] = {}
    for gi in rng.choice(len(known), size=min(len(known), int(rng.integers(2, 5))), replace=False):
        gene = known[int(gi)]
        pos = int(rng.integers(gene.start + 1, gene.end))
        if rng.random() < 0.6:
            cons, impact = "missense_variant", "MODERATE"
        else:
            cons, impact = str(rng.choice(["stop_gained", "frameshift_variant"])), "HIGH"
        drivers[(gene.chrom, pos)] = (gene, cons, impact)
    records: list[tuple[str, int, int, str]] = []
    table = bg.sample_field_table()
    for contig in GRCH38_CONTIGS:
        pos = positions.get(contig, np.zeros(0, dtype=np.int64))
        extra = [p for (c, p) in drivers if c == contig]
        if extra:
            pos = np.unique(np.concatenate([pos, np.array(extra, dtype=np.int64)]))
        if pos.size == 0:
            continue
        gidx = bg.gene_index(contig, pos)
        u = rng.random(pos.size)
        cons = np.where(gidx >= 0, bg.CONS_INTRON, bg.CONS_INTERGENIC)
        cons = np.where((gidx >= 0) & (u < 0.02), bg.CONS_MISSENSE, cons)
        cons = np.where((gidx >= 0) & (u >= 0.02) & (u < 0.03), bg.CONS_SYNONYMOUS, cons)
        cons = np.where((gidx >= 0) & (u >= 0.03) & (u < 0.05), bg.CONS_UTR3, cons)
        tails = bg.csq_tails(contig, gidx, cons)
        for i, p in enumerate(pos.tolist()):
            driver = drivers.get((contig, p))
            if driver is not None:
                gene, consequence, impact = driver
                ref, alt = _variant_alleles(rng, contig, p, consequence)
                csq = bg.csq_entry(
                    Allele=bg.vep_allele(ref, alt),
                    Consequence=consequence,
                    IMPACT=impact,
                    SYMBOL=gene.symbol,
                    Gene=gene.ensembl_id,
                    Feature_type="Transcript",
                    BIOTYPE="protein_coding",
                    SYMBOL_SOURCE="HGNC",
                )
            else:
                if rng.random() < 0.92:
                    ref = bg.ref_sequence(contig, p, 1)
                    r = "ACGT".index(ref)
                    if rng.random() < 0.62:  # C>T / T>C dominate somatic spectra
                        alt = "ACGT"[int(bg._TRANSITION[r])]
                    else:
                        alt = "ACGT"[int(bg._TRANSVERSION[r, int(rng.integers(0, 2))])]
                else:
                    k = int(rng.integers(1, 4))
                    if rng.random() < 0.6:
                        ref = bg.ref_sequence(contig, p, k + 1)
                        alt = ref[0]
                    else:
                        ref = bg.ref_sequence(contig, p, 1)
                        alt = ref + bg.inserted_sequence(contig, p, k, salt=13)
                csq = bg.vep_allele(ref, alt) + str(tails[i])
            clonal = rng.random() < 0.7
            vaf = purity / 2 * (rng.uniform(0.85, 1.15) if clonal else rng.uniform(0.15, 0.7))
            n_dp = int(bg.draw_depths(rng, bg.MEAN_DEPTH * normal_scale, 1)[0])
            t_dp = int(bg.draw_depths(rng, bg.MEAN_DEPTH * tumour_scale, 1)[0])
            filt = "PASS"
            f = rng.random()
            if f < 0.04:
                filt = "LowDepth"
                t_dp = int(rng.integers(6, 15))
            t_alt = max(2, int(rng.binomial(t_dp, min(vaf, 0.99))))
            t_alt = min(t_alt, t_dp)
            n_alt = 1 if rng.random() < 0.03 else 0
            n_dp = max(n_dp, n_alt + 5)
            qual = min(9999, 10 + 9 * t_alt)
            if 0.04 <= f < 0.08:
                filt, qual = "LowQual", int(rng.integers(3, 30))
            normal = table[(bg.GT_HOMREF * (bg.MAX_DP + 1) + n_dp) * (bg.MAX_DP + 1) + n_alt]
            tumour = f"0/1:{t_dp}:{min(99, 3 * t_alt)}:{t_dp - t_alt},{t_alt}"
            info = f"DP={n_dp + t_dp};SOMATIC"
            if driver is None and rng.random() < 0.02:
                info += f";gnomADg_AF={10 ** rng.uniform(-5, -3.5):.3g}"
            info += f";CSQ={csq}"
            records.append(
                (
                    contig,
                    p,
                    len(ref),
                    f"{contig}\t{p}\t.\t{ref}\t{alt}\t{qual}\t{filt}\t{info}\tGT:DP:GQ:AD"
                    f"\t{normal}\t{tumour}",
                )
            )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    indexed: list[ContigRecords] = []
    with BgzfWriter(path, level=BGZF_LEVEL) as out:
        out.write(
            vcf_header([participant.germline_platekey, participant.tumour_platekey], True).encode()
        )
        for contig in GRCH38_CONTIGS:
            mine = [(p, r, line) for c, p, r, line in records if c == contig]
            _write_records(
                out,
                contig,
                np.array([m[0] for m in mine], dtype=np.int64),
                np.array([m[1] for m in mine], dtype=np.int64),
                [m[2] for m in mine],
                indexed,
            )
    write_tbi(str(path) + ".tbi", indexed, out.block_offsets)
    return len(records)


# --------------------------------------------------------------------------------------
# QC metrics
# --------------------------------------------------------------------------------------

QC_KEYS = (
    "platekey",
    "mean_coverage",
    "pct_bases_ge_15x",
    "contamination_fraction",
    "reported_sex",
    "inferred_sex",
    "insert_size_median",
    "reads_mapped_pct",
)


def qc_metrics(participant: Participant, platekey: str, sample_type: str, seed: int) -> dict:
    """The `<platekey>.qc.json` content for one sample (feeds.md keys, in that order).

    Values follow a 30x PCR-free Illumina WGS pipeline: germline ~35x, tumour ~80x, >95 % of
    bases at >=15x when coverage is adequate, contamination mostly ~0.1-0.5 % with a small
    failing tail, median insert ~470 bp. `inferred_sex` is `genetic_sex(participant)`, the
    sex the written chrX/chrY genotypes show, so it sometimes disagrees with `reported_sex`.
    """
    if sample_type not in ("germline", "tumour"):
        raise ValueError(f"sample_type must be 'germline' or 'tumour', got {sample_type!r}")
    stream = int.from_bytes(hashlib.sha256(platekey.encode()).digest()[:4], "big")
    rng = _rng(seed, 30, stream)
    tumour = sample_type == "tumour"
    if tumour:
        coverage = rng.normal(80.0, 9.0)
    elif rng.random() < 0.02:  # an under-sequenced library, later topped up in practice
        coverage = rng.uniform(18.0, 26.0)
    else:
        coverage = rng.normal(35.0, 3.5)
    coverage = float(max(12.0, coverage))
    z = (coverage - 15.0) / (0.25 * coverage)
    pct_15x = 100.0 * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) - rng.uniform(0.3, 1.2)
    if rng.random() < 0.015:
        contamination = rng.uniform(0.03, 0.08)
    else:
        contamination = float(np.clip(rng.lognormal(math.log(0.002), 0.8), 0.0001, 0.02))
    mapped = float(np.clip(100.0 - rng.lognormal(math.log(1.0), 0.5), 90.0, 99.95))
    return {
        "platekey": platekey,
        "mean_coverage": round(coverage, 2),
        "pct_bases_ge_15x": round(float(np.clip(pct_15x, 0.0, 100.0)), 2),
        "contamination_fraction": round(float(contamination), 4),
        "reported_sex": participant.sex,
        "inferred_sex": genetic_sex(participant),
        "insert_size_median": int(rng.normal(470.0, 35.0)),
        "reads_mapped_pct": round(mapped, 2),
    }
