"""Tiering on small hand-made family VCFs: every segregation mode and the negative cases,
and re-tiering from stored candidates against a newer panel without the VCF."""

from __future__ import annotations

import json
from pathlib import Path

import pysam
import pytest

from domain.inheritance import (
    COMPOUND_HET,
    DE_NOVO,
    HOMOZYGOUS,
    INHERITED_DOMINANT,
    X_HEMIZYGOUS,
)
from variants.candidates import Candidate, extract_candidates
from variants.pedigree import Member, Pedigree, pedigree_from_rows
from variants.tiering import best_tiers, tier

# a deliberately unusual CSQ layout: the loader must read it from the header
CSQ_FORMAT = "Consequence|IMPACT|Allele|Feature|SYMBOL|HGNC_ID|BIOTYPE|Gene"
HGNC = {
    "SCN1A": ("HGNC:10585", "ENSG00000144285"),
    "CFTR": ("HGNC:1884", "ENSG00000001626"),
    "USH2A": ("HGNC:12601", "ENSG00000042781"),
    "PKHD1": ("HGNC:9016", "ENSG00000170927"),
    "DMD": ("HGNC:2928", "ENSG00000198947"),
    "KCNQ2": ("HGNC:6296", "ENSG00000075043"),
    "TTN": ("HGNC:12403", "ENSG00000155657"),
}
MONO = "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown"
BI = "BIALLELIC, autosomal or pseudoautosomal"
XL = "X-LINKED: hemizygous mutation in males, biallelic mutations in females"
DISEASE = "Early onset and syndromic epilepsy"


def csq(allele: str, gene: str, consequence: str, impact: str) -> str:
    hgnc, ensg = HGNC[gene]
    return (
        f"{consequence}|{impact}|{allele}|ENST0000{ensg[-6:]}|{gene}|{hgnc}|protein_coding|{ensg}"
    )


def write_family_vcf(path: Path, samples: list[str], rows: list[tuple]) -> Path:
    """rows: (chrom, pos, ref, alt, filter, af or None, [csq entries], [GT per sample])."""
    head = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        *[f"##contig=<ID={c}>" for c in ("chr1", "chr2", "chr6", "chr7", "chr20", "chrX")],
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FORMAT}">',
        '##INFO=<ID=gnomADg_AF,Number=A,Type=Float,Description="gnomAD genomes AF">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "\t".join(
            ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]
        ),
    ]
    body = []
    for chrom, pos, ref, alt, flt, af, csqs, gts in sorted(rows, key=lambda r: (r[0], r[1])):
        info = [f"CSQ={','.join(csqs)}"]
        if af is not None:
            info.append(f"gnomADg_AF={af}")
        body.append(
            "\t".join(
                [
                    chrom,
                    str(pos),
                    ".",
                    ref,
                    alt,
                    "60",
                    flt,
                    ";".join(info),
                    "GT:DP",
                    *[f"{g}:30" for g in gts],
                ]
            )
        )
    plain = path.with_suffix("")
    plain.write_text("\n".join(head + body) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


TRIO = ["LP3000001-DNA_A01", "LP3000002-DNA_A02", "LP3000003-DNA_A03"]  # proband, mum, dad


def trio_pedigree(father_affected: bool = False, proband_sex: str = "male") -> Pedigree:
    return Pedigree(
        "FAM0000001",
        DISEASE,
        (
            Member("RR00000001", TRIO[0], "proband", "affected", proband_sex),
            Member("RR00000002", TRIO[1], "mother", "unaffected", "female"),
            Member(
                "RR00000003",
                TRIO[2],
                "father",
                "affected" if father_affected else "unaffected",
                "male",
            ),
        ),
    )


def panel(version: str, kcnq2_confidence: str = "2") -> dict:
    genes = [
        ("SCN1A", "3", MONO),
        ("CFTR", "3", BI),
        ("USH2A", "3", BI),
        ("PKHD1", "3", BI),
        ("DMD", "3", XL),
        ("KCNQ2", kcnq2_confidence, MONO),
    ]
    return {
        "id": 90402,
        "name": "Genetic epilepsy syndromes",
        "version": version,
        "relevant_disorders": [DISEASE, "Epileptic encephalopathy"],
        "genes": [
            {
                "gene_symbol": g,
                "hgnc_id": HGNC[g][0],
                "confidence_level": c,
                "mode_of_inheritance": m,
            }
            for g, c, m in genes
        ],
    }


ROWS = [
    # de novo missense in a green monoallelic gene -> Tier 1 de novo
    (
        "chr2",
        165991000,
        "C",
        "T",
        "PASS",
        0.0,
        [csq("T", "SCN1A", "missense_variant", "MODERATE")],
        ["0/1", "0/0", "0/0"],
    ),
    # homozygous frameshift in a green biallelic gene -> Tier 1 homozygous
    (
        "chr7",
        117559590,
        "ATCT",
        "A",
        "PASS",
        0.0002,
        [csq("-", "CFTR", "frameshift_variant", "HIGH")],
        ["1/1", "0/1", "0/1"],
    ),
    # compound het in USH2A: maternal missense + paternal stop_gained
    (
        "chr1",
        215900000,
        "G",
        "A",
        "PASS",
        None,
        [csq("A", "USH2A", "missense_variant", "MODERATE")],
        ["0/1", "0/1", "0/0"],
    ),
    (
        "chr1",
        216000000,
        "C",
        "A",
        "PASS",
        0.00001,
        [csq("A", "USH2A", "stop_gained", "HIGH")],
        ["0/1", "0/0", "0/1"],
    ),
    # single het in a biallelic gene: not tiered
    (
        "chr6",
        51800000,
        "T",
        "C",
        "PASS",
        0.0,
        [csq("C", "PKHD1", "missense_variant", "MODERATE")],
        ["0/1", "0/1", "0/0"],
    ),
    # X-linked hemizygous stop_gained in a male proband, carrier mother -> Tier 1
    (
        "chrX",
        31200000,
        "G",
        "A",
        "PASS",
        0.0,
        [csq("A", "DMD", "stop_gained", "HIGH")],
        ["1", "0/1", "0"],
    ),
    # common de novo: filtered
    (
        "chr2",
        165992000,
        "A",
        "G",
        "PASS",
        0.05,
        [csq("G", "SCN1A", "missense_variant", "MODERATE")],
        ["0/1", "0/0", "0/0"],
    ),
    # rare enough for biallelic, too common for monoallelic: filtered for SCN1A
    (
        "chr2",
        165993000,
        "A",
        "C",
        "PASS",
        0.005,
        [csq("C", "SCN1A", "missense_variant", "MODERATE")],
        ["0/1", "0/0", "0/0"],
    ),
    # non-PASS de novo: filtered
    (
        "chr2",
        165994000,
        "G",
        "T",
        "LowQual",
        0.0,
        [csq("T", "SCN1A", "stop_gained", "HIGH")],
        ["0/1", "0/0", "0/0"],
    ),
    # de novo missense in an amber gene -> Tier 3, not Tier 2
    (
        "chr20",
        63440000,
        "C",
        "T",
        "PASS",
        0.0,
        [csq("T", "KCNQ2", "missense_variant", "MODERATE")],
        ["0/1", "0/0", "0/0"],
    ),
    # inherited from the unaffected mother in a dominant gene: not tiered
    (
        "chr2",
        165995000,
        "C",
        "G",
        "PASS",
        0.0,
        [csq("G", "SCN1A", "stop_gained", "HIGH")],
        ["0/1", "0/1", "0/0"],
    ),
    # de novo missense in a gene not on the panel -> Tier 3
    (
        "chr2",
        178600000,
        "G",
        "A",
        "PASS",
        0.0,
        [csq("A", "TTN", "missense_variant", "MODERATE")],
        ["0/1", "0/0", "0/0"],
    ),
    # homozygous missense, AF 0.005 (within biallelic threshold) -> Tier 2 homozygous
    (
        "chr7",
        117560000,
        "G",
        "T",
        "PASS",
        0.005,
        [csq("T", "CFTR", "missense_variant", "MODERATE")],
        ["1/1", "0/1", "0/1"],
    ),
    # LOW impact: never a candidate
    (
        "chr2",
        165996000,
        "C",
        "T",
        "PASS",
        0.0,
        [csq("T", "SCN1A", "synonymous_variant", "LOW")],
        ["0/1", "0/0", "0/0"],
    ),
]


@pytest.fixture()
def trio_vcf(tmp_path: Path) -> Path:
    return write_family_vcf(tmp_path / "FAM0000001.vcf.gz", TRIO, ROWS)


def by_pos(tiered) -> dict[int, tuple[int, str]]:
    return {t.pos: (t.tier, t.segregation) for t in best_tiers(tiered).values()}


def test_every_mode_and_negative_case(trio_vcf: Path):
    cands = extract_candidates(trio_vcf, trio_pedigree())
    # common (0.05), non-PASS and LOW-impact records never become candidates
    kept = {c.pos for c in cands}
    assert 165992000 not in kept and 165994000 not in kept and 165996000 not in kept
    got = by_pos(tier(cands, [panel("1.0")]))
    assert got[165991000] == (1, DE_NOVO)
    assert got[117559590] == (1, HOMOZYGOUS)
    assert got[215900000] == (2, COMPOUND_HET)
    assert got[216000000] == (1, COMPOUND_HET)
    assert 51800000 not in got  # single het in a biallelic gene
    assert got[31200000] == (1, X_HEMIZYGOUS)
    assert 165993000 not in got  # AF 0.005 > 0.001 for a monoallelic gene
    assert got[63440000] == (3, DE_NOVO)  # amber gene: Tier 3, not Tier 2
    assert 165995000 not in got  # carried by the unaffected mother
    assert got[178600000] == (3, DE_NOVO)  # not on the panel
    assert got[117560000] == (2, HOMOZYGOUS)


def test_tiered_rows_record_panel_gene_consequence_and_moi(trio_vcf: Path):
    rows = tier(extract_candidates(trio_vcf, trio_pedigree()), [panel("1.0")])
    t = next(r for r in rows if r.pos == 165991000)
    assert (t.panel_name, t.panel_version, t.gene_symbol) == (
        "Genetic epilepsy syndromes",
        "1.0",
        "SCN1A",
    )
    assert t.consequence == "missense_variant" and t.mode_of_inheritance == MONO
    assert t.ref == "C" and t.alt == "T" and t.proband_referral_id == "RR00000001"


def test_inherited_dominant_from_affected_father(tmp_path: Path):
    rows = [
        (
            "chr2",
            165997000,
            "C",
            "T",
            "PASS",
            None,
            [csq("T", "SCN1A", "stop_gained", "HIGH")],
            ["0/1", "0/0", "0/1"],
        )
    ]
    vcf = write_family_vcf(tmp_path / "fam2.vcf.gz", TRIO, rows)
    got = by_pos(tier(extract_candidates(vcf, trio_pedigree(father_affected=True)), [panel("1.0")]))
    assert got == {165997000: (1, INHERITED_DOMINANT)}
    # the same genotypes with an unaffected father do not segregate
    assert tier(extract_candidates(vcf, trio_pedigree()), [panel("1.0")]) == []


def test_promotion_to_green_retiers_from_stored_candidates(trio_vcf: Path, tmp_path: Path):
    cands = extract_candidates(trio_vcf, trio_pedigree())
    stored = json.dumps([c.to_json() for c in cands])
    trio_vcf.unlink()  # re-tiering must not need the VCF
    restored = [Candidate.from_json(d) for d in json.loads(stored)]
    assert restored == cands
    old = by_pos(tier(restored, [panel("1.0")]))
    new_rows = tier(restored, [panel("1.0"), panel("1.1", kcnq2_confidence="3")])
    new = by_pos(new_rows)
    assert old[63440000] == (3, DE_NOVO)
    assert new[63440000] == (1, DE_NOVO)  # de novo moderate in a green gene
    assert {r.panel_version for r in new_rows} == {"1.1"}  # newest version applied


def test_unrelated_panel_does_not_apply(trio_vcf: Path):
    other = panel("1.0") | {"id": 9, "relevant_disorders": ["Cystic kidney disease"]}
    rows = tier(extract_candidates(trio_vcf, trio_pedigree()), [other])
    assert {r.tier for r in rows} == {3}
    assert all(r.panel_id is None for r in rows)


def test_pedigree_from_participants_and_manifest():
    rows = [
        {
            "referral_id": "RR00000001",
            "family_id": "FAM0000001",
            "sex": "male",
            "relationship_to_proband": "proband",
            "affection_status": "affected",
            "specific_disease": DISEASE,
            "consent_status": "consented",
        },
        {
            "referral_id": "RR00000002",
            "family_id": "FAM0000001",
            "sex": "female",
            "relationship_to_proband": "mother",
            "affection_status": "unaffected",
            "specific_disease": DISEASE,
            "consent_status": "consented",
        },
        {
            "referral_id": "RR00000009",
            "family_id": "FAM0000002",
            "sex": "female",
            "relationship_to_proband": "proband",
            "affection_status": "affected",
            "specific_disease": DISEASE,
            "consent_status": "consented",
        },
    ]
    ped = pedigree_from_rows(rows, {TRIO[1]: "RR00000002", TRIO[0]: "RR00000001"}, "FAM0000001")
    assert [m.relationship for m in ped.members] == ["proband", "mother"]
    assert ped.proband.platekey == TRIO[0] and ped.specific_disease == DISEASE


def test_csq_without_format_is_an_error(tmp_path: Path):
    vcf = write_family_vcf(tmp_path / "f.vcf.gz", TRIO, ROWS[:1])
    text = vcf.with_suffix("").read_text().replace("Format: ", "Fields ")
    bad = tmp_path / "nofmt.vcf"
    bad.write_text(text)
    with pytest.raises(Exception, match="Format"):
        extract_candidates(bad, trio_pedigree())


def test_cli_tiers_a_family_vcf_from_files(trio_vcf: Path, tmp_path: Path, capsys):
    from gwh.cli import main as gwh

    cols = [
        "referral_id",
        "family_id",
        "sex",
        "relationship_to_proband",
        "affection_status",
        "specific_disease",
        "consent_status",
    ]
    people = [
        ("RR00000001", "male", "proband", "affected"),
        ("RR00000002", "female", "mother", "unaffected"),
        ("RR00000003", "male", "father", "unaffected"),
    ]
    (tmp_path / "participants.csv").write_text(
        ",".join(cols)
        + "\n"
        + "".join(f"{r},FAM0000001,{s},{rel},{a},{DISEASE},consented\n" for r, s, rel, a in people)
    )
    (tmp_path / "manifest.csv").write_text(
        "platekey,referral_id,family_id,sample_type,file_name,file_type,genome_build,sha256\n"
        + "".join(
            f"{pk},{r[0]},FAM0000001,germline,{trio_vcf.name},vcf,GRCh38,{'0' * 64}\n"
            for pk, r in zip(TRIO, people, strict=True)
        )
    )
    (tmp_path / "panels.json").write_text(json.dumps([panel("1.0")]))
    rc = gwh(
        [
            "variants",
            "tier",
            str(trio_vcf),
            "--participants",
            str(tmp_path / "participants.csv"),
            "--manifest",
            str(tmp_path / "manifest.csv"),
            "--panels",
            str(tmp_path / "panels.json"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "tier 1\tchr2:165991000:C:T\tSCN1A\tmissense_variant\tde_novo" in out
    assert out.count("tier 1\t") == 4 and out.count("tier 2\t") == 2
