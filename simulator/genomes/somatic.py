"""A tumour-normal somatic VCF: the matched normal then the tumour, with a purity, clonal and
subclonal mutations, and a few drivers in real cancer genes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from domain.genes import GRCH38_CONTIGS, Gene, genes
from formats.vcf import VcfWriter
from simulator.genomes import background as bg
from simulator.genomes.germline import BGZF_LEVEL, SCALE_WGS, SCALES
from simulator.genomes.header import vcf_header
from simulator.genomes.plants import variant_alleles
from simulator.genomes.samples import rng_for
from simulator.model import Participant

WGS_SOMATIC_RECORDS = 12_000
DEMO_SOMATIC_RECORDS = 400

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
    rng = rng_for(seed, 20)
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
                ref, alt = variant_alleles(rng, contig, p, consequence)
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
    header = vcf_header([participant.germline_platekey, participant.tumour_platekey], True)
    with VcfWriter(path, header, level=BGZF_LEVEL) as out:
        for contig in GRCH38_CONTIGS:
            mine = [(p, r, line) for c, p, r, line in records if c == contig]
            out.write_records(
                contig, [m[0] for m in mine], [m[1] for m in mine], [m[2] for m in mine]
            )
    return len(records)
