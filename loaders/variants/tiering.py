"""Rare-disease candidate extraction and Genomics England-style tiering.

Two steps, deliberately separate (domain.md "Rare-disease tiering"):

- `extract_candidates(vcf, pedigree)` reads the family's joint VCF once and keeps every
  FILTER=PASS allele the proband carries that is rare enough for *some* mode of inheritance
  (gnomAD AF <= 0.01, missing = 0) and has a HIGH or MODERATE VEP impact in some gene. A
  candidate stores everything tiering needs: gene, consequences, impact, AF, each member's
  genotype with relationship/affection/sex, and the single-variant segregation patterns.
- `tier(candidates, panels)` applies the panel-dependent rules (green/amber, mode of
  inheritance, the AF threshold for that mode, compound heterozygosity across a gene's
  candidates) without the VCF, so a newer panel version re-tiers old genomes from the
  stored candidates alone.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from loaders.variants.csq import csq_fields, parse_csq, vep_allele
from loaders.variants.stats import (
    VcfError,
    _record_lines,
    inspect_source,
    read_header,
)
from loaders.variants.vartype import VCF_BND, VCF_OVERLAP, VCF_REF, variant_type

# segregation patterns (the simulator's SEG_* strings)
DE_NOVO = "de_novo"
INHERITED_DOMINANT = "inherited_dominant"
HOMOZYGOUS = "homozygous"
COMPOUND_HET = "compound_heterozygous"
X_HEMIZYGOUS = "x_linked_hemizygous"
PATTERN_ORDER = (DE_NOVO, INHERITED_DOMINANT, HOMOZYGOUS, COMPOUND_HET, X_HEMIZYGOUS)

# compound-het phase of a single heterozygous variant (stored with the candidate)
FROM_MOTHER = "het_maternal"
FROM_FATHER = "het_paternal"

#: Domain thresholds: monoallelic <= 0.001, biallelic <= 0.01 (missing AF counts as 0).
AF_MONOALLELIC = 0.001
AF_BIALLELIC = 0.01
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
KEPT_IMPACTS = ("HIGH", "MODERATE")
X_CONTIGS = frozenset({"X", "chrX"})


# ---------------------------------------------------------------------------------------
# pedigree


@dataclass(frozen=True)
class Member:
    """One sequenced family member: the VCF sample (platekey) and the referral facts."""

    referral_id: str
    platekey: str
    relationship: str  # proband | mother | father | sibling | other
    affection: str  # affected | unaffected | unknown
    sex: str  # male | female | unknown


@dataclass(frozen=True)
class Pedigree:
    family_id: str
    specific_disease: str  # the proband's, selects the applied panel(s)
    members: tuple[Member, ...]

    @property
    def proband(self) -> Member:
        for m in self.members:
            if m.relationship == "proband":
                return m
        raise ValueError(f"family {self.family_id} has no sequenced proband")


def pedigree_from_rows(
    participants: Iterable[Mapping[str, str]], platekeys: Mapping[str, str], family_id: str
) -> Pedigree:
    """Build a family's pedigree from participants.csv rows and platekey -> referral_id.

    Only consented, sequenced members enter (a member without a germline VCF column cannot
    show segregation either way).
    """
    by_ref = {r["referral_id"]: r for r in participants if r["family_id"] == family_id}
    members = []
    for platekey, referral_id in platekeys.items():
        row = by_ref.get(referral_id)
        if row is None or row.get("consent_status", "consented") != "consented":
            continue
        members.append(
            Member(
                referral_id=referral_id,
                platekey=platekey,
                relationship=row["relationship_to_proband"],
                affection=row["affection_status"],
                sex=row["sex"],
            )
        )
    if not members:
        raise ValueError(f"family {family_id}: no participant matches the VCF's platekeys")
    proband_rows = [r for r in by_ref.values() if r["relationship_to_proband"] == "proband"]
    disease = proband_rows[0]["specific_disease"] if proband_rows else ""
    return Pedigree(family_id, disease, tuple(sorted(members, key=_member_order)))


def _member_order(m: Member) -> tuple[int, str]:
    order = {"proband": 0, "mother": 1, "father": 2, "sibling": 3}
    return order.get(m.relationship, 4), m.referral_id


def read_participants(path: str | os.PathLike) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------
# candidates


@dataclass(frozen=True)
class MemberCall:
    referral_id: str
    relationship: str
    affection: str
    sex: str
    gt: str  # as written in the VCF
    alt_count: int | None  # copies of this ALT allele; None when the call is missing
    haploid: bool


@dataclass(frozen=True)
class Candidate:
    """A rare, HIGH/MODERATE-impact allele in one gene that the proband carries."""

    family_id: str
    proband_referral_id: str
    specific_disease: str
    chrom: str
    pos: int
    ref: str
    alt: str
    gene_symbol: str
    hgnc_id: str
    consequences: tuple[str, ...]
    impact: str  # HIGH | MODERATE (the highest among the gene's transcripts)
    gnomad_af: float  # missing counts as 0
    members: tuple[MemberCall, ...]
    patterns: tuple[str, ...]  # single-variant segregation patterns, incl. het phase

    @property
    def variant_key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"

    def to_json(self) -> dict:
        d = asdict(self)
        d["consequences"] = list(self.consequences)
        d["patterns"] = list(self.patterns)
        return d

    @classmethod
    def from_json(cls, d: Mapping) -> Candidate:
        members = tuple(MemberCall(**m) for m in d["members"])
        kw = {k: v for k, v in d.items() if k != "members"}
        kw["consequences"] = tuple(d["consequences"])
        kw["patterns"] = tuple(d["patterns"])
        return cls(members=members, **kw)


def _alt_count(gt: str, allele: int) -> tuple[int | None, bool]:
    parts = gt.replace("|", "/").split("/")
    if any(p in (".", "") for p in parts):
        return None, len(parts) == 1
    return sum(1 for p in parts if int(p) == allele), len(parts) == 1


def _carries(m: MemberCall) -> bool:
    return bool(m.alt_count)


def _hom(m: MemberCall) -> bool:
    return m.alt_count is not None and m.alt_count >= 2


def _penetrant(calls: Sequence[MemberCall], affected_ok, unaffected_ok) -> bool:
    """Complete penetrance: the genotype in every affected, absent from every unaffected.
    Members of unknown affection are not evidence either way; a missing call in a member of
    known affection means segregation cannot be shown."""
    for m in calls:
        if m.affection == "affected":
            if m.alt_count is None or not affected_ok(m):
                return False
        elif m.affection == "unaffected":
            if m.alt_count is None or not unaffected_ok(m):
                return False
    return True


def single_variant_patterns(chrom: str, calls: Sequence[MemberCall]) -> tuple[str, ...]:
    """Segregation patterns one variant shows on its own (compound het needs a partner:
    only the het's parental phase is recorded here)."""
    proband = next(m for m in calls if m.relationship == "proband")
    if not proband.alt_count:
        return ()
    mother = next((m for m in calls if m.relationship == "mother"), None)
    father = next((m for m in calls if m.relationship == "father"), None)
    parents_called = (
        mother is not None
        and father is not None
        and mother.alt_count is not None
        and father.alt_count is not None
    )
    out = []
    on_x = chrom in X_CONTIGS
    if on_x and proband.sex == "male":
        # hemizygous: affected males carry, affected females homozygous; unaffected males
        # do not carry, unaffected females may be carriers
        def aff(m: MemberCall) -> bool:
            return _carries(m) if m.sex == "male" else _hom(m)

        def unaff(m: MemberCall) -> bool:
            return not _carries(m) if m.sex == "male" else not _hom(m)

        if _penetrant(calls, aff, unaff):
            out.append(X_HEMIZYGOUS)
    if (
        parents_called
        and not mother.alt_count
        and not father.alt_count
        and _penetrant(calls, _carries, lambda m: not _carries(m))
    ):
        out.append(DE_NOVO)
    if (
        (mother is not None and mother.alt_count) or (father is not None and father.alt_count)
    ) and _penetrant(calls, _carries, lambda m: not _carries(m)):
        out.append(INHERITED_DOMINANT)
    male_x = on_x and proband.sex == "male"  # a male's X call is hemizygous, not homozygous
    if (
        not proband.haploid
        and not male_x
        and _hom(proband)
        and _penetrant(calls, _hom, lambda m: not _hom(m))
    ):
        out.append(HOMOZYGOUS)
    if proband.alt_count == 1 and not proband.haploid and parents_called:
        if mother.alt_count and not father.alt_count:
            out.append(FROM_MOTHER)
        elif father.alt_count and not mother.alt_count:
            out.append(FROM_FATHER)
    return tuple(out)


def extract_candidates(vcf: str | os.PathLike, pedigree: Pedigree) -> list[Candidate]:
    """Candidates from a family's joint-called VCF (one streaming pass, text lines).

    Lines without a HIGH/MODERATE annotation are skipped by a substring test before any
    parsing, which is what keeps a whole-genome pass fast.
    """
    src = inspect_source(vcf)
    header = read_header(src)
    try:
        fields = csq_fields(header.lines)
    except ValueError as exc:
        raise VcfError(vcf, str(exc)) from exc
    if fields is None:
        raise VcfError(vcf, "no VEP CSQ declared in the header; cannot extract candidates")
    col = {s: i for i, s in enumerate(header.samples)}
    missing = [m.platekey for m in pedigree.members if m.platekey not in col]
    if missing:
        raise VcfError(vcf, f"pedigree members not in the VCF: {', '.join(missing)}")
    proband = pedigree.proband
    members = pedigree.members
    idx = [9 + col[m.platekey] for m in members]
    has_allele_num = "ALLELE_NUM" in fields
    out: list[Candidate] = []
    for lineno, line in enumerate(_record_lines(src, None), start=1):
        if "|HIGH|" not in line and "|MODERATE|" not in line:
            continue
        f = line.rstrip("\n").split("\t")
        try:
            if f[6] != "PASS":
                continue
            info = dict(kv.split("=", 1) if "=" in kv else (kv, "") for kv in f[7].split(";"))
            csq = info.get("CSQ")
            if not csq:
                continue
            entries = parse_csq(csq, fields)
            alts = f[4].split(",")
            afs_raw = info.get("gnomADg_AF", "").split(",") if "gnomADg_AF" in info else []
            fmt = f[8].split(":")
            gi = fmt.index("GT")
            gts = [(f[i].split(":") + [""] * len(fmt))[gi] for i in idx]
            for ai, alt in enumerate(alts, start=1):
                t, _ = variant_type(f[3], alt)
                if t in (VCF_REF, VCF_OVERLAP, VCF_BND):
                    continue
                calls = []
                for m, gt in zip(members, gts, strict=True):
                    n, hap = _alt_count(gt, ai)
                    calls.append(
                        MemberCall(m.referral_id, m.relationship, m.affection, m.sex, gt, n, hap)
                    )
                pcall = next(c for c in calls if c.referral_id == proband.referral_id)
                if not pcall.alt_count:
                    continue
                af_s = afs_raw[ai - 1] if len(afs_raw) >= ai else "."
                af = 0.0 if af_s in (".", "") else float(af_s)
                if af > AF_BIALLELIC:
                    continue
                allele_tag = str(ai) if has_allele_num else vep_allele(f[3], alt, alts)
                by_gene: dict[str, list[dict[str, str]]] = defaultdict(list)
                for e in entries:
                    mine = e.get("ALLELE_NUM") if has_allele_num else e.get("Allele")
                    if mine != allele_tag or e.get("IMPACT") not in KEPT_IMPACTS:
                        continue
                    if e.get("SYMBOL"):
                        by_gene[e["SYMBOL"]].append(e)
                if not by_gene:
                    continue
                pats = single_variant_patterns(f[0], calls)
                for gene, es in sorted(by_gene.items()):
                    terms = sorted({t for e in es for t in e["Consequence"].split("&")})
                    impact = "HIGH" if any(e["IMPACT"] == "HIGH" for e in es) else "MODERATE"
                    out.append(
                        Candidate(
                            family_id=pedigree.family_id,
                            proband_referral_id=proband.referral_id,
                            specific_disease=pedigree.specific_disease,
                            chrom=f[0],
                            pos=int(f[1]),
                            ref=f[3],
                            alt=alt,
                            gene_symbol=gene,
                            hgnc_id=next((e.get("HGNC_ID", "") for e in es), ""),
                            consequences=tuple(terms),
                            impact=impact,
                            gnomad_af=af,
                            members=tuple(calls),
                            patterns=pats,
                        )
                    )
        except (ValueError, IndexError, KeyError) as exc:
            raise VcfError(vcf, f"cannot read record for tiering: {exc}", line=lineno) from exc
    return out


# ---------------------------------------------------------------------------------------
# panels and tiers


@dataclass(frozen=True)
class PanelGene:
    gene_symbol: str
    hgnc_id: str
    confidence_level: str
    mode_of_inheritance: str


@dataclass(frozen=True)
class Panel:
    id: int
    name: str
    version: str
    relevant_disorders: tuple[str, ...]
    genes: Mapping[str, PanelGene] = field(hash=False, compare=False)

    @classmethod
    def from_json(cls, d: Mapping) -> Panel:
        genes = {
            g["gene_symbol"]: PanelGene(
                g["gene_symbol"],
                g.get("hgnc_id", ""),
                str(g["confidence_level"]),
                g.get("mode_of_inheritance", ""),
            )
            for g in d["genes"]
        }
        return cls(
            int(d["id"]), d["name"], str(d["version"]), tuple(d["relevant_disorders"]), genes
        )


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split(".") if x.isdigit())


def latest_panels(panels: Iterable[Panel | Mapping]) -> list[Panel]:
    """The newest version of each panel id (snapshots only grow, so newest wins)."""
    best: dict[int, Panel] = {}
    for p in panels:
        p = p if isinstance(p, Panel) else Panel.from_json(p)
        cur = best.get(p.id)
        if cur is None or _version_key(p.version) > _version_key(cur.version):
            best[p.id] = p
    return sorted(best.values(), key=lambda p: p.id)


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
            pg = panel.genes.get(c.gene_symbol) if panel else None
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
    import json

    return [Panel.from_json(d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]
