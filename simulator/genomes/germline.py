"""A family's joint-called germline VCF: the background genome, with the family's planted
causal variants and decoys (simulator.genomes.plants) placed among it, in one file.

The `demo` scale writes a few thousand background records plus the panel-gene regions; the
`wgs` scale a real genome's ~4.5 million calls per sample.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from domain.genes import GRCH38_CONTIGS, Gene
from formats.vcf import VcfWriter
from simulator.genomes import background as bg
from simulator.genomes.header import vcf_header
from simulator.genomes.plants import plant_causal, plant_decoys, special_line
from simulator.genomes.samples import rng_for, sample_specs, sequenced_members
from simulator.model import Family, PlantedVariant

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

#: zlib level for BGZF blocks: 1 is ~3.5x faster than htslib's default 6 for ~35 % more
#: bytes, the right trade for simulated data that is generated far more often than stored.
BGZF_LEVEL = 1


def _keep_rates(specs: tuple[bg.SampleSpec, ...]) -> tuple[float, float]:
    """(records per candidate site, ALT-carrying calls per sample per candidate) by pilot.

    The family structure decides how many candidate sites become records (a trio's union is
    bigger than one genome), so a small autosomal pilot calibrates the candidate density.
    It depends only on the family structure (fixed pilot seed), hence the cache.
    """
    rng = rng_for(0x9170, 99)
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
    rng = rng_for(seed, 1)
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
    members = sequenced_members(family)
    if not members:
        raise ValueError(f"family {family.family_id} has no member with a germline platekey")
    if family.causal and not family.proband.germline_platekey:
        raise ValueError(
            f"family {family.family_id} has causal plans but its proband is not sequenced"
        )
    specs = sample_specs(members)
    rng = rng_for(seed, 2)
    taken: dict[str, list[int]] = {}
    specials, planted = plant_causal(family, members, specs, rng, taken)
    specials += plant_decoys(family, members, panel_genes, rng, taken)
    depth_scale = np.clip(rng_for(seed, 3).normal(1.0, 0.08, len(members)), 0.75, 1.25)
    males = [s.male for s in specs]
    special_lines = {id(sp): special_line(sp, rng, depth_scale, males) for sp in specials}
    candidates = _candidates(scale, panel_genes, specs, seed, records)

    header = vcf_header([m.germline_platekey or "" for m in members])
    written = 0
    with VcfWriter(path, header, level=BGZF_LEVEL) as out:
        for ci, contig in enumerate(GRCH38_CONTIGS):
            here = [sp for sp in specials if sp.contig == contig]
            cand = _clear_around(candidates[contig], [sp.pos for sp in here])
            block = bg.background_block(contig, cand, specs, rng_for(seed, 10, ci), depth_scale)
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
            out.write_records(contig, pos, ref_len, lines)
            written += len(lines)
            if on_contig:
                on_contig(contig, written)
    log.debug("wrote %s: %d records, %d planted", path.name, written, len(planted))
    return planted
