"""The fused per-genome pass (variants.genome.read_genome) against the separate passes it
replaces: the summary equals `summarise`, and the candidates and tiers equal those of
`extract_candidates` (a pass of its own, line by line) on the planted-variant families, one
process or sharded; and the block scan marks exactly the lines the per-line test picks."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from test_variants_tiering import ROWS, TRIO, panel, trio_pedigree, write_family_vcf

from domain.genes import genes
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
from formats.vcf import VcfError, VcfReader
from simulator import genomes as simvcf
from simulator.families import causal_plan, member
from simulator.model import Family
from variants.candidates import extract_candidates, may_hold_candidate
from variants.fastcount import PatternCoder, count_block, hit_lines
from variants.genome import read_genome
from variants.pedigree import Member, Pedigree
from variants.summary import summarise
from variants.tiering import tier

PANEL = ["CFTR", "DMD", "SCN1A", "MYH7", "KCNQ1", "PKD1", "COL1A1", "FBN1", "SMN1"]


def _family() -> Family:
    members = [
        member(1, "proband", "male", "affected"),
        member(2, "mother", "female", "unaffected"),
        member(3, "father", "male", "unaffected"),
    ]
    fam = Family("FAM0000001", "EOE", "rare_disease", members)
    fam.causal = [
        causal_plan("SCN1A", MOI_MONOALLELIC, DE_NOVO, "MODERATE"),
        causal_plan("CFTR", MOI_BIALLELIC, COMPOUND_HET, "HIGH"),
        causal_plan("SMN1", MOI_BIALLELIC, HOMOZYGOUS, "HIGH"),
        causal_plan("DMD", MOI_XLINKED, X_HEMIZYGOUS, "HIGH"),
        causal_plan("MYH7", MOI_MONOALLELIC, INHERITED_DOMINANT, "MODERATE"),
    ]
    return fam


def _pedigree(fam: Family) -> Pedigree:
    return Pedigree(
        fam.family_id,
        fam.proband.specific_disease,
        tuple(
            Member(
                p.referral_id,
                p.germline_platekey,
                p.relationship_to_proband,
                p.affection_status,
                p.sex,
            )
            for p in fam.members
        ),
    )


def _panels(planted) -> list[dict]:
    """One panel applied to the family's disease, green for every planted gene."""
    return [
        {
            "id": 245,
            "name": "Planted genes",
            "version": "1.0",
            "relevant_disorders": ["Intellectual disability"],
            "genes": [
                {
                    "gene_symbol": p.gene_symbol,
                    "hgnc_id": "",
                    "confidence_level": "3",
                    "mode_of_inheritance": p.mode_of_inheritance,
                }
                for p in planted
            ],
        }
    ]


@pytest.fixture(scope="module")
def planted_genome(tmp_path_factory) -> tuple[Path, Family, list]:
    """A wgs-model trio with planted causal variants and decoys (BGZF + tabix)."""
    fam = _family()
    path = tmp_path_factory.mktemp("genome") / "trio.vcf.gz"
    planted = simvcf.write_germline_vcf(
        path, fam, [genes()[s] for s in PANEL], "wgs", 23, records=120_000
    )
    return path, fam, planted


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_pass_equals_separate_passes_on_planted_genome(planted_genome, threads: int):
    path, fam, planted = planted_genome
    ped = _pedigree(fam)
    fused = read_genome(path, ped, threads=threads)
    separate = extract_candidates(path, ped)
    assert separate, "the planted genome should have candidates"
    assert fused.candidates == separate  # same candidates, same (file) order
    panels = _panels(planted)
    tiers = tier(fused.candidates, panels)
    assert tiers and tiers == tier(separate, panels)
    assert fused.summary.as_dict() == summarise(path).as_dict()
    # every planted variant is among the candidates
    keys = {(c.chrom, c.pos, c.ref, c.alt) for c in fused.candidates}
    assert {(p.chrom, p.pos, p.ref, p.alt) for p in planted} <= keys


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_pass_equals_separate_passes_on_hand_made_family(tmp_path: Path, threads: int):
    vcf = write_family_vcf(tmp_path / "FAM0000001.vcf.gz", TRIO, ROWS)
    for ped in (trio_pedigree(), trio_pedigree(father_affected=True)):
        fused = read_genome(vcf, ped, threads=threads)
        separate = extract_candidates(vcf, ped)
        assert fused.candidates == separate and separate
        assert tier(fused.candidates, [panel("1.0")]) == tier(separate, [panel("1.0")])
    assert read_genome(vcf, threads=threads).candidates is None


def test_unreadable_candidate_line_is_named_by_both_passes(tmp_path: Path):
    rows = [r for r in ROWS if r[4] == "PASS"][:3]
    vcf = write_family_vcf(tmp_path / "fam.vcf.gz", TRIO, rows)
    lines = gzip.open(vcf, "rt").read().split("\n")
    i = next(k for k, ln in enumerate(lines) if may_hold_candidate(ln))
    f = lines[i].split("\t")
    f[1] = "12x"  # POS that is not a number: only candidate reading looks at it
    lines[i] = "\t".join(f)
    bad = tmp_path / "bad.vcf"
    bad.write_text("\n".join(lines))
    for read in (
        lambda: extract_candidates(bad, trio_pedigree()),
        lambda: read_genome(bad, trio_pedigree()),
    ):
        with pytest.raises(VcfError) as err:
            read()
        assert err.value.line == i + 1 and "cannot read record for tiering" in str(err.value)


def test_missing_csq_header_is_refused_before_reading(tmp_path: Path):
    vcf = write_family_vcf(tmp_path / "fam.vcf.gz", TRIO, ROWS[:2])
    text = gzip.open(vcf, "rt").read().replace("##INFO=<ID=CSQ", "##INFO=<ID=XSQ")
    bad = tmp_path / "nocsq.vcf"
    bad.write_text(text)
    with pytest.raises(VcfError, match="no VEP CSQ"):
        read_genome(bad, trio_pedigree())


def test_block_scan_marks_exactly_the_candidate_lines(planted_genome):
    """The compiled scan's hit lines equal the per-line substring test, and the fallback
    search (for blocks the scan declines) finds the same lines."""
    path, _fam, _planted = planted_genome
    reader = VcfReader(path)
    nsamp = len(reader.samples)
    total = 0
    for buf in reader.blocks():
        hits: list = []
        got = count_block(
            buf, nsamp, Counter(), [0] * nsamp, [0] * nsamp, PatternCoder(), None, hits
        )
        assert got is not None
        lines = buf.decode().split("\n")[:-1]
        want = [k for k, ln in enumerate(lines) if may_hold_candidate(ln)]
        assert [k for k, _s, _e in hits] == want
        assert [buf[s:e].decode() for _k, s, e in hits] == [lines[k] for k in want]
        assert hit_lines(buf) == hits
        total += len(hits)
    assert total > 0
