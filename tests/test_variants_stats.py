"""`gwh summarise` against bcftools: committed expectations for real and crafted VCFs,
live bcftools for generated ones, and sharded == single-process."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import pysam
import pytest

from formats.vcf import VcfError
from gwh.cli import main as gwh
from variants import bcftools
from variants.summary import summarise
from variants.vartype import (
    GT_HAPL_A,
    GT_HET_AA,
    GT_HET_RA,
    GT_HOM_AA,
    GT_UNKN,
    VCF_BND,
    VCF_INDEL,
    VCF_MNP,
    VCF_OTHER,
    VCF_OVERLAP,
    VCF_REF,
    VCF_SNP,
    gt_type,
    variant_type,
)

DATA = Path(__file__).parent / "data"
EXPECTED = sorted(DATA.glob("*.bcftools_stats.json"))


def assert_matches_bcftools(got: dict, exp: dict) -> None:
    """Every key bcftools reports must be equal (SN, TSTV, every PSC column)."""
    for key, value in exp.items():
        if key in ("samples", "bcftools_version"):
            continue
        assert got[key] == value, key
    assert set(got["samples"]) == set(exp["samples"])
    for sample, cols in exp["samples"].items():
        for key, value in cols.items():
            assert got["samples"][sample][key] == value, (sample, key)


def test_expected_files_are_committed():
    names = {p.name for p in EXPECTED}
    for vcf in ("trio_freebayes_b37.vcf.gz", "gatk_banded_gvcf.vcf", "edge_cases.vcf"):
        assert f"{vcf}.bcftools_stats.json" in names


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.split(".bcftools")[0])
def test_summarise_equals_committed_bcftools(expected: Path):
    exp = json.loads(expected.read_text())
    vcf = DATA / expected.name.removesuffix(".bcftools_stats.json")
    got = summarise(vcf).as_dict()
    assert_matches_bcftools(got, exp)
    # per-contig counts add up to the file totals
    pc = got["per_contig"]
    assert sum(c["records"] for c in pc.values()) == got["records"]
    assert sum(c["snvs"] for c in pc.values()) == got["snvs"]
    assert sum(c["indels"] for c in pc.values()) == got["indels"]


@pytest.mark.parametrize(
    "name", ["trio_freebayes_b37.vcf.gz", "edge_cases.vcf.gz", "edge_cases.bcf"]
)
def test_sharded_equals_single_process(name: str):
    one = summarise(DATA / name, threads=1).as_dict()
    two = summarise(DATA / name, threads=2).as_dict()
    assert one == two
    assert len(one["per_contig"]) >= 2


def test_cli_prints_json_with_the_required_keys(capsys):
    assert gwh(["summarise", str(DATA / "edge_cases.vcf.gz"), "--json", "--threads", "2"]) == 0
    d = json.loads(capsys.readouterr().out)
    for key in (
        "records",
        "no_alts",
        "snvs",
        "mnps",
        "indels",
        "others",
        "multiallelic_sites",
        "multiallelic_snv_sites",
        "transitions",
        "transversions",
        "ts_tv",
        "per_contig",
        "samples",
    ):
        assert key in d
    assert d["per_contig"]["chrX"] == {"records": 3, "snvs": 2, "indels": 1}
    for key in (
        "ref_hom",
        "non_ref_hom",
        "het",
        "transitions",
        "transversions",
        "indels",
        "singletons",
        "missing",
        "mean_depth",
    ):
        assert key in d["samples"]["S1"]


@pytest.mark.parametrize(
    ("ref", "alt", "expected"),
    [
        ("A", "G", VCF_SNP),
        ("A", "a", VCF_SNP),  # single-base comparison is case-sensitive in htslib
        ("AC", "AT", VCF_SNP),
        ("AC", "GT", VCF_MNP),
        ("A", "AT", VCF_INDEL),
        ("A", "CA", VCF_INDEL),  # no suffix trimming when REF is one base
        ("A", "TC", VCF_OTHER),
        ("G", "<*>", VCF_REF),
        ("G", "<NON_REF>", VCF_REF),
        ("G", "<DEL>", VCF_OTHER),
        ("G", "*", VCF_OVERLAP),
        ("T", "]chr2:600]T", VCF_BND),
        ("TA", "T]chr2:5]", VCF_OTHER),
    ],
)
def test_variant_type_follows_htslib(ref: str, alt: str, expected: int):
    assert variant_type(ref, alt)[0] == expected


def test_gt_type_follows_htslib():
    assert gt_type("0/1")[0] == GT_HET_RA
    assert gt_type("2|1") == (GT_HET_AA, 1, 2)
    assert gt_type("1/1")[0] == GT_HOM_AA
    assert gt_type("1")[0] == GT_HAPL_A
    assert gt_type("./1")[0] == GT_UNKN
    assert gt_type(".")[0] == GT_UNKN


def _random_vcf(path: Path, seed: int, nsamp: int = 4, nrec: int = 600) -> None:
    """A generated multi-sample genome slice full of awkward records."""
    rng = random.Random(seed)
    odd = ["<*>", "<NON_REF>", "<DEL>", "*", "X", "N", "a", "]chr2:5]A", "A[chr2:5["]

    def allele() -> str:
        k = rng.random()
        if k < 0.55:
            return rng.choice("ACGT")
        if k < 0.65:
            return "".join(rng.choice("ACGT") for _ in range(rng.randint(2, 4)))
        if k < 0.72:
            return rng.choice(odd)
        return "".join(rng.choice("ACGTacgtN") for _ in range(rng.randint(1, 3)))

    def gt(n: int) -> str:
        k = rng.random()
        if k < 0.05:
            return "."
        if k < 0.1:
            return rng.choice(["./.", "./0", "0/.", ".|."])
        if k < 0.2:
            return str(rng.randrange(n))
        if k < 0.23:
            return "/".join(str(rng.randrange(n)) for _ in range(3))
        sep = rng.choice("/|")
        return f"{rng.randrange(n)}{sep}{rng.randrange(n)}"

    lines = [
        "##fileformat=VCFv4.2",
        *[f"##contig=<ID={c}>" for c in ("chr1", "chr2", "chrX")],
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        "\t".join(
            [
                "#CHROM",
                "POS",
                "ID",
                "REF",
                "ALT",
                "QUAL",
                "FILTER",
                "INFO",
                "FORMAT",
                *[f"LP{3000000 + i}-DNA_A0{i}" for i in range(nsamp)],
            ]
        ),
    ]
    for contig in ("chr1", "chr2", "chrX"):
        for i in range(nrec // 3):
            ref = rng.choice(["A", "C", "G", "T", "AC", "ACG", "N", "a", "TT"])
            alts = [allele() for _ in range(rng.choice([1, 1, 1, 2, 3]))]
            if "." in alts:
                alts = ["."]
            n = 1 + len(alts)
            samples = [
                f"{gt(n)}:{rng.choice(['.', str(rng.randint(0, 60))])}" for _ in range(nsamp)
            ]
            lines.append(
                "\t".join(
                    [
                        contig,
                        str(1000 + i),
                        ".",
                        ref,
                        ",".join(alts),
                        "50",
                        "PASS",
                        ".",
                        "GT:DP",
                        *samples,
                    ]
                )
            )
    plain = path.with_suffix("")
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_genomes_equal_live_bcftools(tmp_path: Path, seed: int):
    assert bcftools.available(), "bcftools must be installed (Makefile installs it)"
    vcf = tmp_path / f"gen{seed}.vcf.gz"
    _random_vcf(vcf, seed)
    exp = bcftools.stats(vcf)
    single = summarise(vcf).as_dict()
    assert_matches_bcftools(single, exp)
    assert summarise(vcf, threads=2).as_dict() == single


def test_truncated_file_is_an_error_naming_the_file(tmp_path: Path):
    data = (DATA / "trio_freebayes_b37.vcf.gz").read_bytes()
    bad = tmp_path / "cut.vcf.gz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfError) as err:
        summarise(bad)
    assert "cut.vcf.gz" in str(err.value)


def test_wrong_column_count_names_the_line(tmp_path: Path):
    # the Strelka file has an empty sample column: htslib rejects it, and so do we
    with pytest.raises(VcfError) as err:
        summarise(DATA / "strelka_somatic.vcf.gz")
    header_lines = sum(
        1 for ln in gzip.open(DATA / "strelka_somatic.vcf.gz", "rt") if ln.startswith("#")
    )
    assert err.value.line == header_lines + 1
    assert f"strelka_somatic.vcf.gz, line {header_lines + 1}" in str(err.value)
    assert "empty column 11" in str(err.value)


def test_index_on_plain_gzip_is_refused(tmp_path: Path):
    src = DATA / "edge_cases.vcf"
    gz = tmp_path / "plain.vcf.gz"
    with open(src, "rb") as fh, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(fh, out)
    shutil.copy(DATA / "edge_cases.vcf.gz.tbi", tmp_path / "plain.vcf.gz.tbi")
    with pytest.raises(VcfError, match="not BGZF"):
        summarise(gz)


def test_broken_header_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.vcf"
    bad.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\n1\t5\t.\tA\n")
    with pytest.raises(VcfError, match="#CHROM"):
        summarise(bad)


def test_truncated_indexed_file_fails_the_same_way_when_sharded(tmp_path: Path):
    vcf = tmp_path / "gen.vcf.gz"
    _random_vcf(vcf, 9, nrec=3000)
    data = vcf.read_bytes()
    vcf.write_bytes(data[: len(data) - 2000])  # cut inside the last BGZF blocks
    for threads in (1, 2):
        with pytest.raises(VcfError) as err:
            summarise(vcf, threads=threads)
        assert err.value.code == "unreadable_gzip"
        assert "gen.vcf.gz" in str(err.value)


def test_anchored_indels_share_their_class_with_htslib_typing():
    """fold's shortcut: every anchored indel with the same anchor base classifies alike."""
    from variants.tally import _anchored_indel, classify_alleles

    def same(ref: str, alt: str) -> tuple:
        c = classify_alleles(ref, alt)
        return (c.line_type, c.n_allele, c.site, c.types, c.bases)

    groups: dict = {}
    for ref, alt in [
        ("A", "ACGT"),
        ("A", "AT"),
        ("ACGT", "A"),
        ("AT", "A"),
        ("a", "acc"),
        ("G", "GA"),
        ("GAC", "G"),
        ("N", "NA"),
        ("TTTT", "TT"),
    ]:
        key = _anchored_indel(ref, alt)
        assert key is not None, (ref, alt)
        groups.setdefault(key, set()).add(same(ref, alt))
    assert all(len(classes) == 1 for classes in groups.values())
    for ref, alt in [
        ("A", "G"),
        ("AC", "GT"),
        ("A", "A[chr2:5["),
        ("A", "<DEL>"),
        ("A", "*"),
        ("A", "ACG,AT"),
        ("AC", "TCA"),
        ("A", "."),
    ]:
        assert _anchored_indel(ref, alt) is None, (ref, alt)
