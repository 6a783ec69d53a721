"""The vectorised block counter, the BGZF range reader and index-driven sharding of
`gwh summarise`: identical to the per-line path and to live bcftools on awkward files, and
every inconsistency (stale index, bad bytes, bad depth) an error naming file and line."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
from pathlib import Path

import pysam
import pytest

from formats import vcf as vcf_format
from formats.bgzf import BgzfError, inflate_range
from formats.tabix import read_index
from formats.vcf import VcfError
from variants import bcftools, counting, fastcount
from variants.sharding import plan_shards
from variants.summary import summarise

CONTIGS = ("chr1", "chr2", "chrUn_KI270742v1", "chrX")


def _awkward_vcf(path: Path, seed: int, nrec: int = 900, nsamp: int = 3) -> Path:
    """A bgzipped, indexed multi-sample VCF mixing everything the block counter must either
    handle exactly or hand to the per-line path: several FORMAT layouts (DP second or last,
    no GT, no DP, depth from AD only), GT strings over 8 bytes, alleles over 8 bytes, missing
    and empty depths, dropped trailing sample fields, a contig name longer than 8 bytes."""
    rng = random.Random(seed)
    # chr1 and chrUn only hold what the block counter takes itself; chr2 and chrX add what
    # it must decline (depth from AD only, dropped trailing sample fields)
    clean = ["GT:DP:GQ", "GT:DP:GQ", "GT:DP:GQ", "GT:GQ:DP", "GT", "GQ:DP"]

    def allele(long: bool) -> str:
        if long:
            return "".join(rng.choice("ACGT") for _ in range(rng.randint(9, 14)))
        k = rng.random()
        if k < 0.7:
            return rng.choice("ACGT")
        if k < 0.8:
            return rng.choice(["<*>", "<NON_REF>", "<DEL>", "*"])
        return "".join(rng.choice("ACGT") for _ in range(rng.randint(2, 6)))

    def gt(n: int) -> str:
        k = rng.random()
        if k < 0.05:
            return rng.choice([".", "./.", ".|."])
        if k < 0.1:
            return str(rng.randrange(n))
        if k < 0.13:
            return "/".join(str(rng.randrange(n)) for _ in range(5))  # 9 bytes
        return f"{rng.randrange(n)}{rng.choice('/|')}{rng.randrange(n)}"

    header = [
        "##fileformat=VCFv4.2",
        *[f"##contig=<ID={c}>" for c in CONTIGS],
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Quality">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
        "#"
        + "\t".join(
            ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
            + [f"LP{4000000 + i}-DNA_A01" for i in range(nsamp)]
        ),
    ]
    lines = []
    for contig in CONTIGS:
        for i in range(nrec // len(CONTIGS)):
            ref = allele(rng.random() < 0.03)
            if ref.startswith(("<", "*")):
                ref = "A"
            alts = [allele(rng.random() < 0.03) for _ in range(rng.choice([1, 1, 1, 2]))]
            n = 1 + len(alts)
            awkward = contig in ("chr2", "chrX")
            fmt = rng.choice(clean + ["GT:AD"] if awkward else clean)
            samples = []
            for _ in range(nsamp):
                vals = {
                    "GT": gt(n),
                    "DP": rng.choice([".", "", str(rng.randint(0, 90))]),
                    "GQ": str(rng.randint(0, 99)),
                    "AD": ",".join(str(rng.randint(0, 30)) for _ in range(n)),
                }
                fields = [vals[k] for k in fmt.split(":")]
                if awkward and rng.random() < 0.02 and len(fields) > 1:
                    fields = fields[:-1]  # trailing field dropped (allowed by VCF)
                samples.append(":".join(fields) or ".")  # an empty column is invalid
            lines.append(
                "\t".join(
                    [contig, str(100 + 7 * i), ".", ref, ",".join(alts), "50", "PASS", ".", fmt]
                    + samples
                )
            )
    plain = path.with_suffix("")
    plain.write_text("\n".join(header + lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def _per_line_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(counting, "count_block", lambda *a, **k: None)


@pytest.mark.parametrize("seed", [11, 12])
def test_block_counter_equals_per_line_path_and_bcftools(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
):
    vcf = _awkward_vcf(tmp_path / "awk.vcf.gz", seed)
    # small blocks: many block boundaries, contig changes inside blocks, mixed FORMATs
    monkeypatch.setattr(vcf_format, "BLOCK", 4096)
    calls = {"fast": 0, "declined": 0}
    real = fastcount.count_block

    def spy(*a, **k):
        got = real(*a, **k)
        calls["fast" if got is not None else "declined"] += 1
        return got

    monkeypatch.setattr(counting, "count_block", spy)
    plain = vcf.with_suffix("")  # uncompressed: read in BLOCK-sized pieces
    fast = summarise(plain).as_dict()
    assert calls["fast"] > 0 and calls["declined"] > 0  # both paths really ran
    sharded = summarise(vcf, threads=2).as_dict()  # clean contigs' ranges: block counter
    _per_line_only(monkeypatch)
    slow = summarise(vcf).as_dict()
    assert fast == slow == sharded
    exp = bcftools.stats(vcf)
    for key, value in exp.items():
        if key not in ("samples", "bcftools_version"):
            assert fast[key] == value, key
    for sample, cols in exp["samples"].items():
        for key, value in cols.items():
            assert fast["samples"][sample][key] == value, (sample, key)


def test_block_counter_takes_clean_blocks_whole(tmp_path: Path):
    """A clean block is counted in one go, long alleles and GTs included."""
    rows = [
        "chr1\t10\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:12\t1|1:.",
        "chr1\t11\t.\tACGTACGTACGT\tA\t50\tPASS\t.\tGT:DP\t0/1/1/1/1:3\t./.:7",
        "chrUn_KI270742v1\t5\t.\tC\tT,CAAAAAAAAAAA\t50\tPASS\t.\tGT:DP\t1/2:9\t0:4",
    ]
    buf = ("\n".join(rows) + "\n").encode()
    from collections import Counter

    patterns: Counter = Counter()
    dp_sum, dp_n = [0, 0], [0, 0]
    seen: set[str] = set()
    coder = fastcount.PatternCoder()
    n = fastcount.count_block(buf, 2, patterns, dp_sum, dp_n, coder, seen)
    assert n == 3
    coder.flush(patterns)  # short alleles and GTs are counted as codes until flushed
    assert patterns == Counter(
        {
            ("chr1", "A", "G", "0/1", "1|1"): 1,
            ("chr1", "ACGTACGTACGT", "A", "0/1/1/1/1", "./."): 1,
            ("chrUn_KI270742v1", "C", "T,CAAAAAAAAAAA", "1/2", "0"): 1,
        }
    )
    assert dp_sum == [24, 11] and dp_n == [3, 2]
    assert seen == {"chr1", "chrUn_KI270742v1"}


def test_bgzf_ranges_match_gzip(tmp_path: Path):
    vcf = _awkward_vcf(tmp_path / "r.vcf.gz", 3, nrec=2000)
    whole = gzip.open(vcf).read()
    assert b"".join(inflate_range(vcf, size=1000)) == whole
    text = b""
    for c in read_index(str(vcf) + ".tbi"):
        part = b"".join(inflate_range(vcf, c.beg, c.end))
        assert part.count(b"\n") == c.records
        assert all(ln.startswith(c.name.encode() + b"\t") for ln in part.splitlines())
        text += part
    assert text == b"".join(ln + b"\n" for ln in whole.splitlines() if not ln.startswith(b"#"))


def test_csi_index_shards_like_tbi(tmp_path: Path):
    vcf = _awkward_vcf(tmp_path / "c.vcf.gz", 4)
    single = summarise(vcf).as_dict()
    Path(str(vcf) + ".tbi").unlink()
    subprocess.run(["bcftools", "index", "--csi", str(vcf)], check=True)
    assert [c.name for c in read_index(str(vcf) + ".csi")] == list(CONTIGS)
    assert summarise(vcf, threads=2).as_dict() == single


def test_stale_index_is_an_error(tmp_path: Path):
    a = _awkward_vcf(tmp_path / "a.vcf.gz", 5, nrec=1200)
    b = _awkward_vcf(tmp_path / "b.vcf.gz", 6, nrec=800)
    shutil.copy(str(b) + ".tbi", str(a) + ".tbi")  # an index of another file
    with pytest.raises(VcfError) as err:
        summarise(a, threads=2)
    assert "a.vcf.gz" in str(err.value)


def test_bad_bytes_and_bad_depth_name_the_line(tmp_path: Path):
    src = _awkward_vcf(tmp_path / "g.vcf.gz", 7)
    lines = gzip.open(src).read().split(b"\n")
    first_data = next(i for i, ln in enumerate(lines) if not ln.startswith(b"#"))
    for bad, reason in (
        (lines[first_data + 500].replace(b"\tPASS\t", b"\tPA\xffSS\t"), "UTF-8"),
        (b"chr2\t9\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:-3\t0/1:3\t0/0:1", "negative FORMAT/DP"),
        (b"chr2\t9\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:x3\t0/1:3\t0/0:1", "malformed record"),
    ):
        out = lines[:]
        out[first_data + 500] = bad
        path = tmp_path / "bad.vcf"
        path.write_bytes(b"\n".join(out))
        with pytest.raises(VcfError) as err:
            summarise(path)
        assert err.value.line == first_data + 501
        assert f"bad.vcf, line {first_data + 501}" in str(err.value)
        assert reason in str(err.value)


def test_corrupt_block_is_unreadable_gzip(tmp_path: Path):
    vcf = _awkward_vcf(tmp_path / "z.vcf.gz", 8, nrec=3000)
    data = bytearray(vcf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    vcf.write_bytes(bytes(data))
    for threads in (1, 2):
        with pytest.raises(VcfError) as err:
            summarise(vcf, threads=threads)
        assert err.value.code == "unreadable_gzip"
    with pytest.raises(BgzfError):
        b"".join(inflate_range(vcf))


def test_shards_are_balanced_by_records_not_contig_order():
    weights = {f"chr{i}": w for i, w in enumerate([90, 80, 70, 60, 50, 40, 30, 20, 10, 5], 1)}
    shards = plan_shards(weights, 2)
    loads = sorted(sum(weights[c] for c in s) for s in shards)
    assert loads == [225, 230]
    assert sorted(c for s in shards for c in s) == sorted(weights)
