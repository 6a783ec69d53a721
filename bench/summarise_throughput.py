"""Benchmark: `gwh summarise` records/s on a whole-genome-scale VCF, beside bcftools.

Generates a rare-disease trio with the simulator (loaders.simulator.vcf, `--scale wgs`
statistical model; `--records N` caps its size, 0 = a full ~4.5-million-call genome), then
times on the same file in the same run:

  - `bcftools stats -s -` (the reference implementation; reported absent if not installed),
  - summarise with 1 process (text lines through gzip/BGZF),
  - summarise with 2 processes (sharded by contig through the tabix index),
  - the alternative engine: pysam.VariantFile records and `allele_indices` per sample,

prints records/s and the ratios the project targets (>= 0.5x bcftools on one process,
>= 1.8x speed-up on two), and checks every result is identical.

    .venv/bin/python bench/summarise_throughput.py [--records N] [--vcf PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pysam

from loaders.reference_data import genes
from loaders.simulator import vcf as simvcf
from loaders.simulator.model import Family, Participant
from loaders.variants import bcftools
from loaders.variants.stats import RawCounts, expand, inspect_source, read_header, summarise

PANEL = ["SCN1A", "CFTR", "MYH7", "KCNQ1", "PKD1", "FBN1", "DMD", "TTN"]


def _member(n: int, rel: str, sex: str, aff: str) -> Participant:
    return Participant(
        referral_id=f"RR{80000000 + n:08d}",
        gmc_code="EOE",
        nhs_number="",  # a VCF needs no NHS number
        date_of_birth=date(1990, 1, 1),
        sex=sex,
        family_id="FAM8000001",
        relationship_to_proband=rel,
        affection_status=aff,
        programme="rare_disease",
        disease_group="Neurology and neurodevelopmental disorders",
        specific_disease="Intellectual disability",
        referral_date=date(2020, 1, 1),
        germline_platekey=f"LP{8000000 + n:07d}-DNA_A01",
    )


def make_genome(out: Path, records: int | None) -> Path:
    fam = Family(
        "FAM8000001",
        "EOE",
        "rare_disease",
        [
            _member(1, "proband", "male", "affected"),
            _member(2, "mother", "female", "unaffected"),
            _member(3, "father", "male", "unaffected"),
        ],
    )
    by_symbol = genes()
    panel = [by_symbol[s] for s in PANEL if s in by_symbol]
    path = out / "bench_trio.vcf.gz"
    t0 = time.monotonic()
    simvcf.write_germline_vcf(
        path,
        fam,
        panel,
        simvcf.SCALE_WGS,
        seed=7,
        records=records or None,
        on_contig=lambda c, n: print(f"  generating {c}: {n:,} records", end="\r"),
    )
    print(f"\ngenerated {path.name} in {time.monotonic() - t0:.0f}s")
    return path


def pysam_engine(path: Path) -> dict:
    """The same pattern counting, fed by pysam.VariantFile records and allele_indices."""
    src = inspect_source(path)
    header = read_header(src)
    n = len(header.samples)
    raw = RawCounts(dp_sum=[0] * n, dp_n=[0] * n)
    pat = raw.patterns
    with pysam.VariantFile(str(path)) as vf:
        for rec in vf:
            gts = []
            for j, s in enumerate(rec.samples.values()):
                ai = s.allele_indices
                gts.append("/".join("." if a is None else str(a) for a in ai) if ai else ".")
                dp = s.get("DP")
                if dp is not None:
                    raw.dp_sum[j] += dp
                    raw.dp_n[j] += 1
            alt = ",".join(rec.alts) if rec.alts else "."
            pat[(rec.chrom, rec.ref, alt, tuple(gts))] += 1
            raw.records += 1
    return expand(raw, header.samples).as_dict()


def _cpu() -> float:
    """CPU seconds of this process (all threads) plus its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, fn, records: int) -> tuple[float, float, object]:
    """Wall and CPU seconds: on a shared machine the CPU figure is the fair comparison."""
    t0, c0 = time.monotonic(), _cpu()
    out = fn()
    dt, dc = time.monotonic() - t0, _cpu() - c0
    print(
        f"{label:<44} {dt:7.2f}s wall {records / dt:>10,.0f} rec/s | "
        f"{dc:6.2f}s CPU {records / dc:>10,.0f} rec/CPU-s"
    )
    return dt, dc, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--records",
        type=int,
        default=1_000_000,
        help="approximate records of the generated genome (0: full wgs)",
    )
    ap.add_argument("--vcf", type=Path, help="use this indexed VCF instead of generating")
    ap.add_argument("--out", type=Path, help="folder for the generated genome (kept)")
    ap.add_argument("--skip-pysam", action="store_true", help="skip the pysam-record engine")
    args = ap.parse_args()
    tmp = None
    if args.vcf:
        path = args.vcf
    else:
        out = args.out or Path(tmp := tempfile.mkdtemp(prefix="gwh_bench_"))
        path = make_genome(out, args.records)
    size = path.stat().st_size
    single = summarise(path).as_dict()  # warm the page cache and count records
    n = single["records"]
    print(f"\n{path.name}: {n:,} records, {len(single['samples'])} samples, {size / 1e6:.0f} MB\n")
    t_bcf = c_bcf = None
    if bcftools.available():

        def run_bcf() -> dict:
            res = subprocess.run(
                ["bcftools", "stats", "-s", "-", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            return bcftools.parse_stats(res.stdout)

        t_bcf, c_bcf, bcf = timed(f"bcftools stats -s - ({bcftools.version()})", run_bcf, n)
    else:
        print("bcftools is not installed: no reference timing (apt-get install bcftools)")
        bcf = None
    t1, c1, one = timed(
        "gwh summarise, 1 process (text lines)", lambda: summarise(path).as_dict(), n
    )
    t2, _c2, two = timed(
        "gwh summarise, 2 processes (sharded)", lambda: summarise(path, threads=2).as_dict(), n
    )
    if not args.skip_pysam:
        tp, cp, via_pysam = timed(
            "pysam.VariantFile + allele_indices engine", lambda: pysam_engine(path), n
        )
    print()
    if t_bcf:
        print(
            f"1 process vs bcftools: {t_bcf / t1:.2f}x bcftools' throughput by wall time, "
            f"{c_bcf / c1:.2f}x by CPU time (target >= 0.5)"
        )
    print(f"2 processes vs 1:      {t1 / t2:.2f}x speed-up (target >= 1.8)")
    if not args.skip_pysam:
        print(f"text engine vs pysam-record engine: {tp / t1:.2f}x (wall), {cp / c1:.2f}x (CPU)")
    same = one == two
    checks = Counter({"sharded == single": same})
    if bcf is not None:
        keys = [k for k in bcf if k != "samples"]
        checks["equal to bcftools"] = all(one[k] == bcf[k] for k in keys) and all(
            one["samples"][s][k] == v for s, cols in bcf["samples"].items() for k, v in cols.items()
        )
    if not args.skip_pysam:
        checks["pysam engine == text engine"] = via_pysam == one
    for name, ok in checks.items():
        print(f"check {name}: {'yes' if ok else 'NO'}")
    if tmp:
        for p in Path(tmp).iterdir():
            p.unlink()
        Path(tmp).rmdir()


if __name__ == "__main__":
    main()
