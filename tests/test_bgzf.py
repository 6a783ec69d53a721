"""BGZF reading: libdeflate and the zlib fallback give the same bytes, and both check every
block's CRC32 and ISIZE as htslib does: a corrupt block is an error naming the file and the
block's byte offset (a quarantine reason for the loader, one line for `gwh summarise`)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest

from formats import bgzf
from formats.bgzf import BgzfError, BgzfWriter, block_spans, inflate_range
from formats.vcf import VcfError
from gwh.cli import main
from variants.summary import summarise

ENGINES = ["libdeflate", "zlib"]


def _vcf(path: Path, nrec: int = 6000) -> Path:
    """A small BGZF VCF of several blocks (written by our writer, level 6)."""
    head = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
    )
    body = "".join(
        f"chr1\t{100 + 7 * i}\t.\t{'ACGT'[i % 4]}\t{'GTAC'[i % 4]}\t50\tPASS\tDP={i % 90}\t"
        f"GT:DP\t{['0/1', '1/1', '0/0'][i % 3]}:{i % 40}\t0/{i % 2}:{i % 17}\n"
        for i in range(nrec)
    )
    with BgzfWriter(path, level=6, threads=1) as w:
        w.write((head + body).encode())
    return path


def _spans(path: Path) -> list[tuple[int, int]]:
    return list(block_spans(path.read_bytes()))


def test_the_default_inflater_is_libdeflate():
    assert bgzf.inflater_name() == "libdeflate"


@pytest.mark.parametrize("engine", ENGINES)
def test_both_inflaters_give_the_gzip_bytes(tmp_path: Path, engine: str):
    vcf = _vcf(tmp_path / "a.vcf.gz")
    assert len(_spans(vcf)) > 3
    whole = gzip.open(vcf).read()
    assert b"".join(inflate_range(vcf, size=1000, engine=engine)) == whole
    pieces = list(inflate_range(vcf, size=50_000, lines=True, engine=engine))
    assert b"".join(pieces) == whole and all(p.endswith(b"\n") for p in pieces)


def test_zlib_fallback_gives_the_same_summary(tmp_path: Path, monkeypatch):
    vcf = _vcf(tmp_path / "a.vcf.gz")
    with_libdeflate = summarise(vcf).as_dict()
    monkeypatch.setenv("GWH_INFLATE", "zlib")
    assert bgzf.inflater_name() == "zlib"
    assert summarise(vcf).as_dict() == with_libdeflate
    monkeypatch.delenv("GWH_INFLATE")
    monkeypatch.setattr(bgzf, "_libdeflate", None)  # as without the `deflate` package
    assert bgzf.inflater_name() == "zlib"
    assert summarise(vcf).as_dict() == with_libdeflate
    with pytest.raises(BgzfError, match="not installed"):
        b"".join(inflate_range(vcf, engine="libdeflate"))


def _corrupt(vcf: Path, what: str) -> int:
    """Damage the third block (its payload, CRC32 or ISIZE); returns its byte offset."""
    data = bytearray(vcf.read_bytes())
    off, size = _spans(vcf)[2]
    if what == "payload":
        data[off + size // 2] ^= 0x55
    elif what == "crc":
        (crc,) = struct.unpack_from("<I", data, off + size - 8)
        struct.pack_into("<I", data, off + size - 8, crc ^ 1)
    else:  # isize
        (isize,) = struct.unpack_from("<I", data, off + size - 4)
        struct.pack_into("<I", data, off + size - 4, isize - 1)
    vcf.write_bytes(bytes(data))
    return off


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("what", ["payload", "crc", "isize"])
def test_corrupt_block_names_its_offset(tmp_path: Path, engine: str, what: str):
    vcf = _vcf(tmp_path / "c.vcf.gz")
    off = _corrupt(vcf, what)
    with pytest.raises(BgzfError, match=f"corrupt BGZF block at byte {off:,}"):
        b"".join(inflate_range(vcf, engine=engine))


@pytest.mark.parametrize("engine", ENGINES)
def test_corrupt_block_is_one_line_naming_file_and_offset(
    tmp_path: Path, engine: str, monkeypatch, capsys
):
    monkeypatch.setenv("GWH_INFLATE", engine)
    vcf = _vcf(tmp_path / "c.vcf.gz")
    off = _corrupt(vcf, "crc")
    with pytest.raises(VcfError) as err:
        summarise(vcf)
    assert err.value.code == "unreadable_gzip"
    assert str(vcf) in str(err.value) and f"byte {off:,}" in str(err.value)
    assert main(["summarise", str(vcf)]) == 2
    out = capsys.readouterr().err.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("error: ") and f"byte {off:,}" in out[0]
    assert "Traceback" not in out[0]
