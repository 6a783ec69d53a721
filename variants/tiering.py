"""Genomics England-style rare-disease tiering of a family's candidates against panels.

Two steps, deliberately separate (domain.md "Rare-disease tiering"):

- `variants.candidates.extract_candidates(vcf, pedigree)` reads the family's joint VCF
  once and keeps every FILTER=PASS allele the proband carries that is rare enough for
  *some* mode of inheritance (gnomAD AF <= 0.01, missing = 0) and has a HIGH or MODERATE
  VEP impact in some gene, with everything tiering needs: gene, consequences, impact, AF,
  each member's genotype with relationship/affection/sex, and the single-variant
  segregation patterns.
- `tier(candidates, panels)` applies the panel-dependent rules (green/amber, mode of
  inheritance, the AF threshold for that mode, compound heterozygosity across a gene's
  candidates) without the VCF, so a newer panel version re-tiers old genomes from the
  stored candidates alone.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from domain.inheritance import (
    COMPOUND_HET,
    DE_NOVO,
    HOMOZYGOUS,
    INHERITED_DOMINANT,
    PATTERN_ORDER,
    X_HEMIZYGOUS,
)
from domain.panels import Panel, latest_panels
from variants.candidates import (
    AF_BIALLELIC,
    AF_MONOALLELIC,
    FROM_FATHER,
    FROM_MOTHER,
    Candidate,
)

PATTERN_MAX_AF = {
    DE_NOVO: AF_MONOALLELIC,
    INHERITED_DOMINANT: AF_MONOALLELIC,
    X_HEMIZYGOUS: AF_MONOALLELIC,
    HOMOZYGOUS: AF_BIALLELIC,
    COMPOUND_HET: AF_BIALLELIC,
}

#: Tier 1 consequences (high impact) and Tier 2 consequences (moderate), domain.md.
TIER1_CONSEQUENCES = frozenset(
    {
        "transcript_ablation",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "stop_gained",
        "frameshift_variant",
        "stop_lost",
        "start_lost",
    }
)
TIER2_CONSEQUENCES = frozenset(
    {"missense_variant", "inframe_insertion", "inframe_deletion", "protein_altering_variant"}
)


def moi_patterns(moi: str | None) -> tuple[str, ...]:
    """Segregation patterns a PanelApp mode of inheritance admits (None: gene not on the
    panel, any pattern may make the variant a Tier 3 candidate)."""
    if moi is None:
        return PATTERN_ORDER
    m = moi.upper()
    if m.startswith("MONOALLELIC"):
        return (DE_NOVO, INHERITED_DOMINANT)
    if m.startswith("BIALLELIC"):
        return (HOMOZYGOUS, COMPOUND_HET)
    if m.startswith("X-LINKED"):
        pats = (X_HEMIZYGOUS, HOMOZYGOUS, COMPOUND_HET)
        if "MONOALLELIC MUTATIONS IN FEMALES" in m:
            pats += (DE_NOVO, INHERITED_DOMINANT)
        return pats
    return PATTERN_ORDER  # BOTH, Unknown, mitochondrial...: no restriction


@dataclass(frozen=True)
class TieredVariant:
    family_id: str
    proband_referral_id: str
    chrom: str
    pos: int
    ref: str
    alt: str
    gene_symbol: str
    consequence: str  # the consequence that decided the tier
    impact: str
    gnomad_af: float
    tier: int
    segregation: str
    mode_of_inheritance: str | None
    panel_id: int | None
    panel_name: str | None
    panel_version: str | None

    @property
    def variant_key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"


def _compound_partners(cands: Sequence[Candidate]) -> dict[int, bool]:
    """Which candidates (by index) form a compound het: a maternal and a paternal het in
    the same gene, both carried by every affected and not both by any unaffected member."""
    ok: dict[int, bool] = {}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(cands):
        if FROM_MOTHER in c.patterns or FROM_FATHER in c.patterns:
            groups[(c.family_id, c.gene_symbol)].append(i)
    for idxs in groups.values():
        for a in idxs:
            for b in idxs:
                ca, cb = cands[a], cands[b]
                if not (FROM_MOTHER in ca.patterns and FROM_FATHER in cb.patterns):
                    continue
                if ca.variant_key == cb.variant_key:
                    continue
                gb = {m.referral_id: m for m in cb.members}
                good = True
                for ma in ca.members:
                    mb = gb.get(ma.referral_id)
                    if mb is None:
                        continue
                    both = bool(ma.alt_count) and bool(mb.alt_count)
                    if ma.affection == "affected" and not both:
                        good = False
                    if ma.affection == "unaffected" and (
                        ma.alt_count is None or mb.alt_count is None or both
                    ):
                        good = False
                if good:
                    ok[a] = ok[b] = True
    return ok


def _tier_for(c: Candidate, pattern: str, green: bool) -> tuple[int, str] | None:
    if c.gnomad_af > PATTERN_MAX_AF[pattern]:
        return None
    high = [t for t in c.consequences if t in TIER1_CONSEQUENCES]
    moderate = [t for t in c.consequences if t in TIER2_CONSEQUENCES]
    if not green:
        return 3, (high or moderate or list(c.consequences))[0]
    if high:
        return 1, high[0]
    if moderate:
        return (1 if pattern == DE_NOVO else 2), moderate[0]
    return 3, c.consequences[0]


def tier(candidates: Sequence[Candidate], panels: Iterable[Panel | Mapping]) -> list[TieredVariant]:
    """Tier stored candidates against the newest version of each panel applied to the
    proband's disease. One row per (variant, gene, applied panel) that tiers; a family with
    no applied panel can still get Tier 3 rows (panel fields None)."""
    current = latest_panels(panels)
    comp = _compound_partners(candidates)
    out: list[TieredVariant] = []
    for i, c in enumerate(candidates):
        pats = set(c.patterns)
        if comp.get(i):
            pats.add(COMPOUND_HET)
        applied = [p for p in current if c.specific_disease in p.relevant_disorders]
        for panel in applied or [None]:
            pg = panel.gene(c.gene_symbol) if panel else None
            moi = pg.mode_of_inheritance if pg else None
            green = pg is not None and pg.confidence_level == "3"
            best: tuple[int, int, str, str] | None = None
            for rank, pattern in enumerate(PATTERN_ORDER):
                if pattern not in pats or pattern not in moi_patterns(moi):
                    continue
                got = _tier_for(c, pattern, green)
                if got is None:
                    continue
                cand = (got[0], rank, pattern, got[1])
                if best is None or cand < best:
                    best = cand
            if best is None:
                continue
            out.append(
                TieredVariant(
                    family_id=c.family_id,
                    proband_referral_id=c.proband_referral_id,
                    chrom=c.chrom,
                    pos=c.pos,
                    ref=c.ref,
                    alt=c.alt,
                    gene_symbol=c.gene_symbol,
                    consequence=best[3],
                    impact=c.impact,
                    gnomad_af=c.gnomad_af,
                    tier=best[0],
                    segregation=best[2],
                    mode_of_inheritance=moi,
                    panel_id=panel.id if panel else None,
                    panel_name=panel.name if panel else None,
                    panel_version=panel.version if panel else None,
                )
            )
    return out


def best_tiers(tiered: Iterable[TieredVariant]) -> dict[tuple[str, str], TieredVariant]:
    """Reports show the highest tier per (family, variant)."""
    best: dict[tuple[str, str], TieredVariant] = {}
    for t in tiered:
        k = (t.family_id, t.variant_key)
        if k not in best or t.tier < best[k].tier:
            best[k] = t
    return best


def load_panels(path: str | os.PathLike) -> list[Panel]:

    return [Panel.from_json(d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]
