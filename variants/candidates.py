"""Rare-disease candidates: one streaming pass over a family's joint-called VCF.

`extract_candidates(vcf, pedigree)` keeps every FILTER=PASS allele the proband carries that
is rare enough for *some* mode of inheritance (gnomAD AF <= 0.01, missing = 0) and has a
HIGH or MODERATE VEP impact in some gene. A candidate stores everything tiering needs
(variants.tiering): gene, consequences, impact, AF, each member's genotype with
relationship/affection/sex, and the single-variant segregation patterns, so a later panel
version re-tiers it without the VCF.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from domain.genes import X_CONTIGS
from domain.inheritance import (
    DE_NOVO,
    HOMOZYGOUS,
    INHERITED_DOMINANT,
    X_HEMIZYGOUS,
)
from formats.vcf import VcfError, VcfReader
from variants.csq import csq_fields, parse_csq, vep_allele
from variants.pedigree import Pedigree
from variants.vartype import VCF_BND, VCF_OVERLAP, VCF_REF, variant_type

#: Compound-het phase of a single heterozygous variant (stored with the candidate).
FROM_MOTHER = "het_maternal"
FROM_FATHER = "het_paternal"

#: Domain thresholds: monoallelic <= 0.001, biallelic <= 0.01 (missing AF counts as 0).
AF_MONOALLELIC = 0.001
AF_BIALLELIC = 0.01
KEPT_IMPACTS = ("HIGH", "MODERATE")


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


@dataclass(frozen=True)
class CandidateSpec:
    """What reading candidates from a family's VCF lines needs, settled from the header
    once: the pedigree, the CSQ subfields and each member's sample column. Small and
    picklable, so contig shard workers (variants.sharding) take it along."""

    family: Pedigree
    csq_fields: tuple[str, ...]
    columns: tuple[int, ...]  # 0-based VCF column of each pedigree member, in order

    @property
    def has_allele_num(self) -> bool:
        return "ALLELE_NUM" in self.csq_fields


def candidate_spec(
    vcf: str | os.PathLike, header_lines: Sequence[str], samples: Sequence[str], pedigree: Pedigree
) -> CandidateSpec:
    """Check that the header lets a family be tiered (VEP CSQ declared, every member a
    sample of the file) and settle how its lines are read."""
    try:
        fields = csq_fields(header_lines)
    except ValueError as exc:
        raise VcfError(vcf, str(exc)) from exc
    if fields is None:
        raise VcfError(vcf, "no VEP CSQ declared in the header; cannot extract candidates")
    col = {s: i for i, s in enumerate(samples)}
    missing = [m.platekey for m in pedigree.members if m.platekey not in col]
    if missing:
        raise VcfError(vcf, f"pedigree members not in the VCF: {', '.join(missing)}")
    return CandidateSpec(
        pedigree, tuple(fields), tuple(9 + col[m.platekey] for m in pedigree.members)
    )


def may_hold_candidate(line: str) -> bool:
    """The cheap test every line meets before any parsing: only a line carrying a HIGH or
    MODERATE annotation can hold a candidate (the block scan of variants.fastcount marks
    exactly these lines)."""
    return "|HIGH|" in line or "|MODERATE|" in line


def line_candidates(spec: CandidateSpec, line: str) -> list[Candidate]:
    """The candidates of one data line (without its newline) that passed
    `may_hold_candidate`. Raises ValueError, IndexError or KeyError for a record that
    cannot be read; the caller names the line."""
    pedigree = spec.family
    proband = pedigree.proband
    members = pedigree.members
    fields = list(spec.csq_fields)
    has_allele_num = spec.has_allele_num
    out: list[Candidate] = []
    f = line.rstrip("\n").split("\t")
    if f[6] != "PASS":
        return out
    info = dict(kv.split("=", 1) if "=" in kv else (kv, "") for kv in f[7].split(";"))
    csq = info.get("CSQ")
    if not csq:
        return out
    entries = parse_csq(csq, fields)
    alts = f[4].split(",")
    afs_raw = info.get("gnomADg_AF", "").split(",") if "gnomADg_AF" in info else []
    fmt = f[8].split(":")
    gi = fmt.index("GT")
    gts = [(f[i].split(":") + [""] * len(fmt))[gi] for i in spec.columns]
    for ai, alt in enumerate(alts, start=1):
        t, _ = variant_type(f[3], alt)
        if t in (VCF_REF, VCF_OVERLAP, VCF_BND):
            continue
        calls = []
        for m, gt in zip(members, gts, strict=True):
            n, hap = _alt_count(gt, ai)
            calls.append(MemberCall(m.referral_id, m.relationship, m.affection, m.sex, gt, n, hap))
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
    return out


#: What a failed candidate read says (the caller adds the file and line).
READ_ERROR = "cannot read record for tiering"


class CandidateScan:
    """Candidates gathered during the genome's one block scan (variants.counting): the
    scan hands over each block's lines that `may_hold_candidate` (found by the compiled
    tokeniser in the same pass over the bytes), and only those are decoded and parsed."""

    def __init__(self, spec: CandidateSpec) -> None:
        self.spec = spec
        self.found: list[Candidate] = []

    def take(self, buf: bytes, hits: Sequence[tuple[int, int, int]], where) -> None:
        """Read the hit lines (record index in the block, start, end) of `buf`;
        `where(k, reason)` gives the VcfError arguments naming the block's k-th line."""
        for k, s, e in hits:
            try:
                self.found.extend(line_candidates(self.spec, buf[s:e].decode("utf-8")))
            except (ValueError, IndexError, KeyError) as exc:
                raise VcfError(*where(k, f"{READ_ERROR}: {exc}")) from exc


def extract_candidates(vcf: str | os.PathLike, pedigree: Pedigree) -> list[Candidate]:
    """Candidates from a family's joint-called VCF in a pass of its own, line by line.

    The per-genome work reads candidates in the same pass as the summary
    (variants.genome.read_genome); this separate pass is the plain statement of the same
    rules, for reading one family's candidates by hand and for checking the fused pass.
    """
    reader = VcfReader(vcf)
    header = reader.header
    spec = candidate_spec(vcf, header.lines, header.samples, pedigree)
    out: list[Candidate] = []
    for lineno, line in enumerate(reader.lines(), start=reader.first_record_line or 1):
        if not may_hold_candidate(line):
            continue
        try:
            out.extend(line_candidates(spec, line))
        except (ValueError, IndexError, KeyError) as exc:
            raise VcfError(vcf, f"{READ_ERROR}: {exc}", line=lineno) from exc
    return out
