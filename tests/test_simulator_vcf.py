"""Tests of the simulator's VCF and QC writer (simulator/genomes/).

Statistics are recomputed here from the records as pysam parses them (not from the
writer's internals), with bcftools-stats definitions: Ti/Tv over biallelic SNV alleles,
per-sample het and hom-alt counts, indel share of records.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pysam
import pytest

from domain.genes import GRCH38_CONTIGS, genes
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
from simulator import genomes as vcf
from simulator.families import causal_plan, member
from simulator.genomes import background as bg
from simulator.model import Family, PlantedVariant

TRANSITIONS = {("A", "G"), ("G", "A"), ("C", "T"), ("T", "C")}
TIER_IMPACTS = {"HIGH", "MODERATE"}
PANEL = ["CFTR", "DMD", "SCN1A", "MYH7", "KCNQ1", "PKD1", "COL1A1", "FBN1", "BRCA1", "SMN1"]


@pytest.fixture(scope="module")
def trio() -> Family:
    """Proband (male, affected) with unaffected parents and four causal plans."""
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
    ]
    return fam


@pytest.fixture(scope="module")
def quartet() -> Family:
    """Affected mother passes a dominant variant to the affected proband and sister."""
    members = [
        member(11, "proband", "female", "affected", family_id="FAM0000002"),
        member(12, "mother", "female", "affected", family_id="FAM0000002"),
        member(13, "father", "male", "unaffected", family_id="FAM0000002"),
        member(14, "sibling", "female", "affected", family_id="FAM0000002"),
        member(15, "sibling", "male", "unaffected", family_id="FAM0000002"),
    ]
    fam = Family("FAM0000002", "EOE", "rare_disease", members)
    fam.causal = [causal_plan("MYH7", MOI_MONOALLELIC, INHERITED_DOMINANT, "MODERATE")]
    return fam


def _panel() -> list:
    return [genes()[s] for s in PANEL]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory, trio, quartet):
    out = tmp_path_factory.mktemp("demo")
    planted = {
        "trio": vcf.write_germline_vcf(out / "trio.vcf.gz", trio, _panel(), "demo", 7),
        "quartet": vcf.write_germline_vcf(out / "quartet.vcf.gz", quartet, _panel(), "demo", 8),
    }
    return out, planted


@pytest.fixture(scope="module")
def wgs_small(tmp_path_factory, trio):
    """A wgs-model trio genome at reduced size (same statistics model as --scale wgs)."""
    path = tmp_path_factory.mktemp("wgs") / "trio.vcf.gz"
    vcf.write_germline_vcf(path, trio, _panel(), "wgs", 11, records=200_000)
    return path


def _csq_format(header: pysam.VariantHeader) -> list[str]:
    desc = header.info["CSQ"].description
    return desc.split("Format: ", 1)[1].strip().split("|")


def _csq(record: pysam.VariantRecord, fmt: list[str]) -> list[dict[str, str]]:
    raw = record.info["CSQ"]
    entries = raw if isinstance(raw, tuple) else (raw,)
    return [dict(zip(fmt, e.split("|"), strict=True)) for e in entries]


def _af(record: pysam.VariantRecord) -> float:
    return record.info["gnomADg_AF"][0] if "gnomADg_AF" in record.info else 0.0


def _carrier(gt: tuple) -> bool:
    return any(a is not None and a > 0 for a in gt)


# --------------------------------------------------------------------------------------
# Format
# --------------------------------------------------------------------------------------


def test_header_and_index(demo_files, trio):
    out, _ = demo_files
    path = out / "trio.vcf.gz"
    assert Path(str(path) + ".tbi").exists()
    with pysam.VariantFile(str(path)) as f:
        h = f.header
        assert list(h.samples) == [m.germline_platekey for m in trio.members]
        assert list(h.contigs) == list(GRCH38_CONTIGS)
        assert h.contigs["chr1"].length == 248956422
        assert h.contigs["chrX"].length == 156040895
        assert h.contigs["chrM"].length == 16569
        for key in ("CSQ", "gnomADg_AF", "DP"):
            assert key in h.info
        assert h.info["gnomADg_AF"].type == "Float"
        for key in ("GT", "DP", "GQ", "AD"):
            assert key in h.formats
        assert {"PASS", "LowQual", "StrandBias"} <= set(h.filters)
        fmt = _csq_format(h)
        assert fmt[:4] == ["Allele", "Consequence", "IMPACT", "SYMBOL"]
        assert "HGVSc" in fmt and "Gene" in fmt
        assert any(line.startswith("##reference=GRCh38") for line in str(h).splitlines())
        # The index answers region queries.
        assert sum(1 for _ in f.fetch("chr7", 117_400_000, 117_700_000)) >= 1
    # BGZF: standard gzip readers see the whole text, and the file ends with htslib's EOF.
    raw = path.read_bytes()
    assert raw.endswith(bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000"))
    assert gzip.decompress(raw).decode().startswith("##fileformat=VCFv4.2\n")


def test_records_sorted_csq_complete_and_ref_consistent(demo_files):
    out, _ = demo_files
    for name in ("trio.vcf.gz", "quartet.vcf.gz"):
        with pysam.VariantFile(str(out / name)) as f:
            fmt = _csq_format(f.header)
            order = {c: i for i, c in enumerate(GRCH38_CONTIGS)}
            last = (-1, 0)
            n = 0
            for r in f:
                n += 1
                key = (order[r.chrom], r.pos)
                assert key > last, f"{name}: {r.chrom}:{r.pos} out of order or duplicated"
                last = key
                assert r.ref == bg.ref_sequence(r.chrom, r.pos, len(r.ref))
                entries = r.info["CSQ"]
                assert len(entries) == len(r.alts)
                for e in entries:
                    assert len(e.split("|")) == len(fmt)
                for c in _csq(r, fmt):
                    assert c["IMPACT"] in {"HIGH", "MODERATE", "LOW", "MODIFIER"}
                    assert c["Consequence"]
                    if c["Consequence"] != "intergenic_variant":
                        assert c["SYMBOL"] in genes()
            assert n > 2500


def test_format_fields_consistent(wgs_small):
    """AD sums to DP, hets have reads for both alleles, hom-refs almost no ALT reads."""
    checked = Counter()
    with pysam.VariantFile(str(wgs_small)) as f:
        for i, r in enumerate(f):
            if i % 7:
                continue
            for s in r.samples.values():
                gt = s["GT"]
                if None in gt:
                    checked["missing"] += 1
                    continue
                ad, dp = s["AD"], s["DP"]
                assert sum(ad) == dp
                assert len(ad) == len(r.alleles)
                if gt[0] != gt[1]:
                    assert ad[gt[0]] > 0 and ad[gt[1]] > 0
                    checked["het"] += 1
                elif gt[0] == 0:
                    assert ad[0] >= dp - max(3, dp // 5)
                    checked["homref"] += 1
                else:
                    assert ad[gt[0]] >= dp - max(3, dp // 5)
                    checked["homalt"] += 1
                assert 0 <= s["GQ"] <= 99
    assert checked["missing"] > 0 and checked["het"] > 1000 and checked["homalt"] > 1000


def test_own_tabix_index_answers_like_htslib(wgs_small, tmp_path):
    """The index written during generation answers region queries exactly as an index that
    htslib builds from the file (pysam.tabix_index), including deletions spanning a query
    start, empty windows, contig edges and contigs without records."""
    copy = tmp_path / "copy.vcf.gz"
    copy.write_bytes(wgs_small.read_bytes())
    pysam.tabix_index(str(copy), preset="vcf", force=True)
    rng = np.random.default_rng(4)
    regions = [("chrM", 0, 16569), ("chrY", 0, 57_227_415), ("chr21", 0, 10_000)]
    for _ in range(300):
        contig = GRCH38_CONTIGS[int(rng.integers(0, len(GRCH38_CONTIGS)))]
        length = bg.CONTIG_LENGTHS[contig]
        start = int(rng.integers(0, length))
        regions.append((contig, start, min(length, start + int(rng.choice([1, 50, 20_000, 5e6])))))
    # Queries that start inside deletions, especially ones crossing a 16 kb window edge.
    crossing = 0
    with pysam.VariantFile(str(copy)) as f:
        for r in f:
            if len(r.ref) > 1:
                beg, end = r.pos - 1, r.pos - 1 + len(r.ref)
                if beg >> 14 != (end - 1) >> 14:
                    regions.append((r.chrom, (end - 1) >> 14 << 14, ((end - 1) >> 14 << 14) + 1))
                    crossing += 1
                elif rng.random() < 0.01:
                    regions.append((r.chrom, end - 1, end))
    assert crossing >= 1
    with pysam.TabixFile(str(wgs_small)) as mine, pysam.TabixFile(str(copy)) as ref:
        assert mine.contigs == ref.contigs
        for contig, start, end in regions:
            if contig not in ref.contigs:
                continue
            got = list(mine.fetch(contig, start, end))
            assert got == list(ref.fetch(contig, start, end)), (contig, start, end)
        whole = list(mine.fetch("chr1"))
        assert len(whole) == sum(1 for _ in ref.fetch("chr1")) > 10_000


# --------------------------------------------------------------------------------------
# Planted variants and decoys
# --------------------------------------------------------------------------------------


def _record(path: Path, pv: PlantedVariant) -> pysam.VariantRecord:
    with pysam.VariantFile(str(path)) as f:
        recs = [r for r in f.fetch(pv.chrom, pv.pos - 1, pv.pos) if r.pos == pv.pos]
    assert len(recs) == 1, f"planted {pv.gene_symbol} {pv.chrom}:{pv.pos} not found once"
    return recs[0]


def test_planted_variants_segregate(demo_files, trio, quartet):
    out, planted = demo_files
    pk = {m.relationship_to_proband: m.germline_platekey for m in trio.members}
    by_seg: dict[str, list[PlantedVariant]] = {}
    for pv in planted["trio"]:
        by_seg.setdefault(pv.segregation, []).append(pv)
    assert sorted(len(v) for v in by_seg.values()) == [1, 1, 1, 2]
    for pv in planted["trio"] + planted["quartet"]:
        r = _record(out / f"{'trio' if pv.family_id == trio.family_id else 'quartet'}.vcf.gz", pv)
        assert (r.ref, r.alts) == (pv.ref, (pv.alt,))
        assert list(r.filter) == ["PASS"]
        assert _af(r) <= 0.001
        csq = _csq(r, _csq_format(r.header))[0]
        assert csq["SYMBOL"] == pv.gene_symbol
        assert csq["IMPACT"] == pv.impact
        assert csq["Consequence"] == pv.consequence
        if pv.impact == "HIGH":
            assert pv.consequence in vcf.HIGH_CONSEQUENCES
        assert not pv.expected_tier
    gts = lambda r: {k: tuple(v["GT"]) for k, v in r.samples.items()}  # noqa: E731
    (dn,) = by_seg[DE_NOVO]
    g = gts(_record(out / "trio.vcf.gz", dn))
    assert (g[pk["proband"]], g[pk["mother"]], g[pk["father"]]) == ((0, 1), (0, 0), (0, 0))
    (hom,) = by_seg[HOMOZYGOUS]
    g = gts(_record(out / "trio.vcf.gz", hom))
    assert (g[pk["proband"]], g[pk["mother"]], g[pk["father"]]) == ((1, 1), (0, 1), (0, 1))
    (xl,) = by_seg[X_HEMIZYGOUS]
    assert xl.chrom == "chrX" and xl.mode_of_inheritance == MOI_XLINKED
    g = gts(_record(out / "trio.vcf.gz", xl))
    assert (g[pk["proband"]], g[pk["mother"]], g[pk["father"]]) == ((1, 1), (0, 1), (0, 0))
    ch = by_seg[COMPOUND_HET]
    assert ch[0].gene_symbol == ch[1].gene_symbol == "CFTR" and ch[0].pos != ch[1].pos
    g1, g2 = (gts(_record(out / "trio.vcf.gz", v)) for v in ch)
    assert g1[pk["proband"]] == g2[pk["proband"]] == (0, 1)
    assert {(g1[pk["mother"]], g1[pk["father"]]), (g2[pk["mother"]], g2[pk["father"]])} == {
        ((0, 1), (0, 0)),
        ((0, 0), (0, 1)),
    }
    (dom,) = planted["quartet"]
    g = gts(_record(out / "quartet.vcf.gz", dom))
    for m in quartet.members:
        want = (0, 1) if m.affection_status == "affected" else (0, 0)
        assert g[m.germline_platekey] == want, m.relationship_to_proband


def _segregates(gts: dict[str, tuple], family: Family, chrom: str) -> set[str]:
    """Modes under which a proband-carried variant segregates (independent mini-tiering)."""
    pk = {m.relationship_to_proband: m.germline_platekey for m in family.members}
    affected = [m.germline_platekey for m in family.members if m.affection_status == "affected"]
    unaffected = [m.germline_platekey for m in family.members if m.affection_status == "unaffected"]
    modes = set()
    if all(_carrier(gts[s]) for s in affected) and not any(_carrier(gts[s]) for s in unaffected):
        modes.add("dominant")
    if "mother" in pk and "father" in pk:
        if gts[pk["mother"]] == (0, 0) and gts[pk["father"]] == (0, 0):
            modes.add("de_novo")
    if gts[pk["proband"]] == (1, 1):
        modes.add("homozygous_or_hemizygous")
    return modes


def test_no_unplanned_tierable_variant_and_decoys_present(demo_files, trio, quartet):
    """Every rare PASS HIGH/MODERATE variant the proband carries that segregates is planted;
    the decoys (one per failing rule) are present."""
    out, planted = demo_files
    for fam, name in ((trio, "trio"), (quartet, "quartet")):
        planted_keys = {(p.chrom, p.pos) for p in planted[name]}
        proband = fam.proband.germline_platekey
        decoys = Counter()
        per_gene: Counter = Counter()
        with pysam.VariantFile(str(out / f"{name}.vcf.gz")) as f:
            fmt = _csq_format(f.header)
            for r in f:
                gts = {k: tuple(v["GT"]) for k, v in r.samples.items()}
                if not _carrier(gts[proband]):
                    continue
                csqs = [c for c in _csq(r, fmt) if c["IMPACT"] in TIER_IMPACTS]
                if not csqs:
                    if r.info["CSQ"][0].split("|")[2] == "LOW" and _af(r) < 0.001:
                        decoys["low_impact"] += 1
                    continue
                passed = list(r.filter) == ["PASS"]
                rare = _af(r) <= 0.01
                if (r.chrom, r.pos) in planted_keys:
                    continue
                if not passed:
                    decoys["filter"] += 1
                    continue
                if not rare:
                    decoys["common"] += 1
                    assert _af(r) >= bg.COMMON_AF
                    continue
                # A rare, PASS, damaging variant that was not planted: it must not segregate.
                assert not _segregates(gts, fam, r.chrom), (
                    f"{name}: unplanned tierable {r.chrom}:{r.pos}"
                )
                assert csqs[0]["SYMBOL"] in PANEL
                per_gene[csqs[0]["SYMBOL"]] += 1
                decoys["unaffected_carrier"] += 1
        assert all(v == 1 for v in per_gene.values()), "two qualifying hets in one gene"
        assert decoys["filter"] >= 1 and decoys["common"] >= 1 and decoys["low_impact"] >= 1
        if name == "trio":
            assert decoys["unaffected_carrier"] == 1


def test_xlinked_plan_needs_male_proband(tmp_path):
    fam = Family("FAM0000003", "EOE", "rare_disease", [member(21, "proband", "female", "affected")])
    fam.causal = [causal_plan("DMD", MOI_XLINKED, X_HEMIZYGOUS, "HIGH")]
    with pytest.raises(ValueError, match="male proband"):
        vcf.write_germline_vcf(tmp_path / "x.vcf.gz", fam, _panel(), "demo", 1)


def test_bad_arguments(tmp_path, trio):
    with pytest.raises(ValueError, match="scale"):
        vcf.write_germline_vcf(tmp_path / "a.vcf.gz", trio, _panel(), "exome", 1)
    nobody = Family(
        "FAM0000004", "EOE", "rare_disease", [member(31, "proband", "male", "affected")]
    )
    nobody.members[0].germline_platekey = None
    with pytest.raises(ValueError, match="germline platekey"):
        vcf.write_germline_vcf(tmp_path / "b.vcf.gz", nobody, _panel(), "demo", 1)
    with pytest.raises(ValueError, match="tumour platekey"):
        vcf.write_somatic_vcf(tmp_path / "c.vcf.gz", trio.proband, "demo", 1)
    with pytest.raises(ValueError, match="sample_type"):
        vcf.qc_metrics(trio.proband, "LP3000001-DNA_A01", "blood", 1)


# --------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------


def test_deterministic(tmp_path, trio, quartet):
    def digest(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    a = vcf.write_germline_vcf(tmp_path / "a.vcf.gz", trio, _panel(), "demo", 5)
    b = vcf.write_germline_vcf(tmp_path / "b.vcf.gz", trio, _panel(), "demo", 5)
    c = vcf.write_germline_vcf(tmp_path / "c.vcf.gz", trio, _panel(), "demo", 6)
    assert a == b and a != c
    assert digest(tmp_path / "a.vcf.gz") == digest(tmp_path / "b.vcf.gz")
    assert digest(tmp_path / "a.vcf.gz.tbi") == digest(tmp_path / "b.vcf.gz.tbi")
    assert digest(tmp_path / "a.vcf.gz") != digest(tmp_path / "c.vcf.gz")
    # A fresh interpreter (no warm caches) writes the same bytes.
    script = (
        "import pickle, sys; from pathlib import Path; from simulator import genomes as vcf; "
        "fam, panel = pickle.loads(sys.stdin.buffer.read()); "
        f"vcf.write_germline_vcf(Path({str(tmp_path / 'd.vcf.gz')!r}), fam, panel, 'demo', 5)"
    )
    subprocess.run([sys.executable, "-c", script], input=pickle.dumps((trio, _panel())), check=True)
    assert digest(tmp_path / "a.vcf.gz") == digest(tmp_path / "d.vcf.gz")
    assert digest(tmp_path / "a.vcf.gz.tbi") == digest(tmp_path / "d.vcf.gz.tbi")
    p = trio.proband
    p.tumour_platekey = "LP4000001-DNA_B01"
    try:
        n1 = vcf.write_somatic_vcf(tmp_path / "s1.vcf.gz", p, "demo", 5)
        n2 = vcf.write_somatic_vcf(tmp_path / "s2.vcf.gz", p, "demo", 5)
    finally:
        p.tumour_platekey = None
    assert n1 == n2 and digest(tmp_path / "s1.vcf.gz") == digest(tmp_path / "s2.vcf.gz")
    assert vcf.qc_metrics(p, "LP3000001-DNA_A01", "germline", 5) == vcf.qc_metrics(
        p, "LP3000001-DNA_A01", "germline", 5
    )


# --------------------------------------------------------------------------------------
# Germline statistics on a wgs-model genome
# --------------------------------------------------------------------------------------


def test_wgs_model_statistics(wgs_small, trio):
    males = {m.germline_platekey for m in trio.members if m.sex == "male"}
    pk = {m.relationship_to_proband: m.germline_platekey for m in trio.members}
    ts = tv = indel = mnp = multi = records = nonpass = 0
    het: Counter = Counter()
    hom: Counter = Counter()
    missing: Counter = Counter()
    mendel_ok = mendel_n = 0
    male_x_het = female_x_het = chry_female_calls = chry_records = 0
    with pysam.VariantFile(str(wgs_small)) as f:
        for r in f:
            records += 1
            alts = r.alts
            if list(r.filter) != ["PASS"]:
                nonpass += 1
            if len(alts) > 1:
                multi += 1
            if any(len(a) != len(r.ref) for a in alts):
                indel += 1
            elif len(r.ref) > 1:
                mnp += 1
            if len(r.ref) == 1:
                for a in alts:
                    if len(a) == 1:
                        if (r.ref, a) in TRANSITIONS:
                            ts += 1
                        else:
                            tv += 1
            gts = {k: tuple(v["GT"]) for k, v in r.samples.items()}
            par_x = r.chrom == "chrX" and bool(bg.in_par("chrX", np.array([r.pos]))[0])
            for s, gt in gts.items():
                if None in gt:
                    missing[s] += 1
                    continue
                if gt[0] != gt[1]:
                    het[s] += 1
                    if r.chrom == "chrX" and not par_x:
                        if s in males:
                            male_x_het += 1
                        else:
                            female_x_het += 1
                elif gt[0] > 0:
                    hom[s] += 1
            if r.chrom == "chrY":
                chry_records += 1
                chry_female_calls += sum(
                    1 for s, gt in gts.items() if s not in males and None not in gt
                )
            if r.chrom.removeprefix("chr").isdigit() and len(alts) == 1:
                c, m, fa = gts[pk["proband"]], gts[pk["mother"]], gts[pk["father"]]
                if None not in c + m + fa:
                    mendel_n += 1
                    mendel_ok += (c[0] in m and c[1] in fa) or (c[1] in m and c[0] in fa)
    titv = ts / tv
    assert 190_000 <= records <= 210_000
    assert 2.0 <= titv <= 2.1, titv
    assert 0.10 <= indel / records <= 0.15, indel / records
    assert 0.001 <= mnp / records <= 0.02 and 0.003 <= multi / records <= 0.03
    for s in het:
        assert 1.5 <= het[s] / hom[s] <= 2.0, (s, het[s] / hom[s])
        assert 0 < missing[s] < 0.01 * records
    assert 0.005 <= nonpass / records <= 0.03
    assert mendel_ok / mendel_n >= 0.998 and mendel_ok < mendel_n  # a tiny error rate
    assert male_x_het == 0 and female_x_het > 100
    assert chry_records > 0 and chry_female_calls == 0
    # gnomAD: most background variants common, some rare.
    with pysam.VariantFile(str(wgs_small)) as f:
        afs = np.array([_af(r) for i, r in enumerate(f) if i % 10 == 0])
    assert 0.5 <= (afs >= 0.05).mean() <= 0.95
    assert 0.002 <= (afs < 0.01).mean() <= 0.2


def test_wgs_density_scales_with_records(tmp_path):
    """A single genome at a requested size lands near it (the candidate calibration works)."""
    fam = Family("FAM0000005", "EOE", "cancer", [member(41, "proband", "female", "unknown")])
    vcf.write_germline_vcf(tmp_path / "one.vcf.gz", fam, [], "wgs", 3, records=30_000)
    with pysam.VariantFile(str(tmp_path / "one.vcf.gz")) as f:
        n = sum(1 for _ in f)
    assert 27_000 <= n <= 33_000


# --------------------------------------------------------------------------------------
# Somatic and QC
# --------------------------------------------------------------------------------------


def test_somatic_vcf(tmp_path):
    p = member(51, "proband", "female", "affected", programme="cancer")
    p.tumour_platekey = "LP4000051-DNA_B01"
    n = vcf.write_somatic_vcf(tmp_path / "s.vcf.gz", p, "demo", 9)
    vafs = []
    filters: Counter = Counter()
    drivers = 0
    with pysam.VariantFile(str(tmp_path / "s.vcf.gz")) as f:
        assert list(f.header.samples) == [p.germline_platekey, p.tumour_platekey]
        fmt = _csq_format(f.header)
        assert "SOMATIC" in f.header.info
        records = list(f)
    assert len(records) == n and n >= 300
    for r in records:
        assert r.info["SOMATIC"] is True
        normal, tumour = r.samples[p.germline_platekey], r.samples[p.tumour_platekey]
        assert tuple(normal["GT"]) == (0, 0) and tuple(tumour["GT"]) == (0, 1)
        assert sum(tumour["AD"]) == tumour["DP"] and normal["AD"][1] <= 1
        vafs.append(tumour["AD"][1] / tumour["DP"])
        filters[r.filter.keys()[0]] += 1
        csq = _csq(r, fmt)[0]
        if csq["SYMBOL"] in vcf.CANCER_GENES and csq["IMPACT"] in TIER_IMPACTS:
            drivers += 1
    assert 0.02 < float(np.median(vafs)) < 0.5 and max(vafs) < 1.0
    assert filters["PASS"] / n > 0.85 and filters["LowQual"] + filters["LowDepth"] > 0
    assert drivers >= 2


def test_qc_metrics_keys_ranges_and_sex(tmp_path):
    p = member(61, "proband", "unknown", "affected", programme="cancer")
    qc = vcf.qc_metrics(p, p.germline_platekey, "germline", 1)
    assert tuple(qc) == vcf.QC_KEYS
    json.dumps(qc)
    assert qc["platekey"] == p.germline_platekey and qc["reported_sex"] == "unknown"
    assert qc["inferred_sex"] in ("male", "female")
    # inferred_sex agrees with the chrX/chrY genotypes written for this participant.
    fam = Family("FAM0000006", "EOE", "cancer", [p])
    vcf.write_germline_vcf(tmp_path / "g.vcf.gz", fam, [], "wgs", 2, records=20_000)
    x_het = y_calls = 0
    with pysam.VariantFile(str(tmp_path / "g.vcf.gz")) as f:
        for r in f.fetch("chrX", 2_800_000, 155_000_000):
            gt = tuple(r.samples[0]["GT"])
            x_het += None not in gt and gt[0] != gt[1]
        y_calls = sum(1 for r in f.fetch("chrY") if None not in tuple(r.samples[0]["GT"]))
    if qc["inferred_sex"] == "male":
        assert x_het == 0 and y_calls > 0
    else:
        assert x_het > 10 and y_calls == 0
    # Value ranges over many samples, and a rare reported/inferred disagreement.
    many = [
        vcf.qc_metrics(member(1000 + i, "sibling", "male", "unaffected"), f"P{i}", "germline", i)
        for i in range(3000)
    ]
    cov = np.array([q["mean_coverage"] for q in many])
    assert 30 <= np.median(cov) <= 40 and cov.min() >= 12
    assert all(50 <= q["pct_bases_ge_15x"] <= 100 for q in many)
    low = [q["pct_bases_ge_15x"] for q in many if q["mean_coverage"] < 24]
    assert low and max(low) < 95  # under-sequenced libraries show it
    assert np.median([q["pct_bases_ge_15x"] for q in many]) > 95
    assert all(0 < q["contamination_fraction"] < 0.1 for q in many)
    assert all(300 < q["insert_size_median"] < 650 for q in many)
    assert all(90 <= q["reads_mapped_pct"] <= 100 for q in many)
    discordant = sum(q["inferred_sex"] != q["reported_sex"] for q in many)
    assert 1 <= discordant <= 30
    tumour = vcf.qc_metrics(p, "LP4000061-DNA_B01", "tumour", 1)
    assert tumour["mean_coverage"] > 50
