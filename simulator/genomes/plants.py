"""Hand-made records: planted causal variants and decoys.

*Planted* causal variants realise a family's `CausalPlan`s and are the oracle the tiering
tests check against. *Decoys* in the panel genes are rare damaging-looking variants that
each fail one GEL tiering rule (FILTER, frequency, impact, or segregation), so a tiering
implementation that skips a rule shows up as an unexpected tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from domain.genes import Gene
from domain.inheritance import (
    COMPOUND_HET,
    DE_NOVO,
    HOMOZYGOUS,
    INHERITED_DOMINANT,
    MOI_BIALLELIC,
    MOI_MONOALLELIC,
    MOI_XLINKED,
    X_HEMIZYGOUS,
)
from simulator.genomes import background as bg
from simulator.genomes.samples import genetic_sex, stable_uniform
from simulator.model import CausalPlan, Family, Participant, PlantedVariant

HIGH_CONSEQUENCES = (
    "stop_gained",
    "frameshift_variant",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "start_lost",
)
MODERATE_CONSEQUENCES = ("missense_variant", "missense_variant", "inframe_deletion")


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


def variant_alleles(
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
        if seg == DE_NOVO:
            out.append(one if role == "proband" else ref)
        elif seg == INHERITED_DOMINANT:
            out.append(one if affected or role == "proband" else ref)
        elif seg == HOMOZYGOUS:
            if affected or role == "proband":
                out.append((1, 1))
            elif role in ("mother", "father"):
                out.append(one)
            elif role == "sibling":
                out.append(one if rng.random() < 0.67 else ref)
            else:
                out.append(ref)
        elif seg == COMPOUND_HET:
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
        elif seg == X_HEMIZYGOUS:
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
    if segregation in (DE_NOVO, INHERITED_DOMINANT):
        return MOI_MONOALLELIC
    if segregation == X_HEMIZYGOUS:
        return MOI_XLINKED
    return MOI_BIALLELIC


def plant_causal(
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
        if plan.segregation == X_HEMIZYGOUS:
            if gene.chrom != "chrX":
                raise ValueError(f"x-linked plan in {gene.symbol}, which is on {gene.chrom}")
            if genetic_sex(family.proband) != "male":
                raise ValueError(
                    f"x-linked hemizygous plan for family {family.family_id} needs a male proband"
                )
        halves = ["mother", "father"] if plan.segregation == COMPOUND_HET else [None]
        for half in halves:
            options = HIGH_CONSEQUENCES if plan.impact == "HIGH" else MODERATE_CONSEQUENCES
            consequence = str(options[int(rng.integers(0, len(options)))])
            pos = _pick_position(rng, gene, taken)
            ref, alt = variant_alleles(rng, gene.chrom, pos, consequence)
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


def plant_decoys(
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
        ref, alt = variant_alleles(rng, gene.chrom, pos, consequence)
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


def special_line(
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
    n_exons = 4 + int(stable_uniform(sp.gene.symbol) * 30)
    exon = intron = ""
    if sp.consequence == "start_lost":
        exon = f"1/{n_exons}"
    elif sp.consequence in _EXONIC:
        exon = f"{1 + int(stable_uniform(seed_text + 'e') * n_exons)}/{n_exons}"
    elif sp.consequence.startswith("splice"):
        intron = f"{1 + int(stable_uniform(seed_text + 'i') * (n_exons - 1))}/{n_exons - 1}"
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
