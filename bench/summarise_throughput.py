"""Benchmark: `gwh summarise` records/s on a whole-genome-scale VCF, beside bcftools.

Generates a rare-disease trio with the simulator (simulator.genomes, `--scale wgs`
statistical model; `--records N` caps its size, 0 = a full genome, ~6 million records),
then times on the same file in the same run, best of `--repeat` runs each:

  - `bcftools stats -s -` (the reference implementation; reported absent if not installed),
  - summarise with 1 process (one core: BGZF inflated and counted in the same thread),
  - summarise with 2 processes (contigs balanced over two processes via the tabix index),
  - optionally (`--pysam`) the alternative engine: pysam.VariantFile records and
    `allele_indices` per sample,

and prints wall and CPU time (user+sys of the whole process tree) for each, the load
average, and the ratios the project targets: >= 0.5x bcftools' throughput on one process
(by CPU time: on a shared machine wall time measures the neighbours) and >= 1.8x speed-up
on two processes (by wall time, plus the CPU critical path, i.e. the speed-up two idle
cores would give). It checks every result is identical, and equal to bcftools.

    .venv/bin/python bench/summarise_throughput.py [--records N | --vcf PATH] [--out DIR]
        [--repeat N] [--pysam]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pysam

from domain.genes import genes
from formats.vcf import inspect_source, read_header
from simulator import genomes as simvcf
from simulator.families import trio
from variants import bcftools
from variants.counting import RawCounts
from variants.summary import summarise
from variants.tally import expand

PANEL = ["SCN1A", "CFTR", "MYH7", "KCNQ1", "PKD1", "FBN1", "DMD", "TTN"]


def make_genome(out: Path, records: int | None) -> Path:
    fam = trio("FAM8000001")
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
            pat[(rec.chrom, rec.ref, alt, *gts)] += 1
            raw.records += 1
    return expand(raw, header.samples).as_dict()


def _usage() -> tuple[float, float]:
    """CPU seconds (user+sys) of this process (all threads) and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


@dataclass
class Run:
    wall: float
    cpu: float  # whole process tree
    own: float  # this process only
    kids: float  # child processes (a subprocess, or the shard workers)
    load: float  # 1-minute load average at the end of the run


def timed(label: str, fn, records: int, repeat: int) -> tuple[Run, object]:
    """Best of `repeat` runs (fewest CPU seconds), wall and CPU each printed.

    On a shared machine wall time mostly measures the neighbours, so CPU time is the fair
    comparison; the best of a few runs is the least disturbed one.
    """
    best: Run | None = None
    out = None
    for _ in range(repeat):
        (o0, k0), t0 = _usage(), time.monotonic()
        out = fn()
        dt = time.monotonic() - t0
        o1, k1 = _usage()
        run = Run(dt, (o1 - o0) + (k1 - k0), o1 - o0, k1 - k0, os.getloadavg()[0])
        print(
            f"{label:<42} {dt:6.2f}s wall {records / dt:>10,.0f} rec/s | "
            f"{run.cpu:6.2f}s CPU {records / run.cpu:>10,.0f} rec/CPU-s | load {run.load:.1f}",
            flush=True,
        )
        if best is None or run.cpu < best.cpu:
            best = run
    assert best is not None
    return best, out


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
    ap.add_argument("--repeat", type=int, default=3, help="runs of each engine (best is used)")
    ap.add_argument("--pysam", action="store_true", help="also time the pysam-record engine")
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
    print(f"\n{path.name}: {n:,} records, {len(single['samples'])} samples, {size / 1e6:.0f} MB")
    print(
        f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs\n"
    )
    rep = max(args.repeat, 1)
    bcf_run = bcf = None
    if bcftools.available():

        def run_bcf() -> dict:
            res = subprocess.run(
                ["bcftools", "stats", "-s", "-", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            return bcftools.parse_stats(res.stdout)

        bcf_run, bcf = timed(f"bcftools stats -s - ({bcftools.version()})", run_bcf, n, rep)
    else:
        print("bcftools is not installed: no reference timing (apt-get install bcftools)")
    one_run, one = timed("gwh summarise, 1 process", lambda: summarise(path).as_dict(), n, rep)
    two_run, two = timed(
        "gwh summarise, 2 processes (sharded)",
        lambda: summarise(path, threads=2).as_dict(),
        n,
        rep,
    )
    if args.pysam:
        py_run, via_pysam = timed(
            "pysam.VariantFile + allele_indices engine", lambda: pysam_engine(path), n, 1
        )
    print("\n(best run of each, by CPU time)")
    if bcf_run:
        print(
            f"1 process vs bcftools: {bcf_run.cpu / one_run.cpu:.2f}x bcftools' throughput "
            f"by CPU time (target >= 0.5); {bcf_run.wall / one_run.wall:.2f}x by wall time"
        )
    print(
        f"2 processes vs 1:      {one_run.wall / two_run.wall:.2f}x speed-up by wall time "
        f"(target >= 1.8) at load {two_run.load:.1f}"
    )
    # each shard runs single-threaded in its own process (this one and one child), so the
    # longer of the two CPU times is the wall time on two otherwise idle cores
    critical = max(two_run.own, two_run.kids)
    print(
        f"                       {one_run.cpu / critical:.2f}x by CPU critical path "
        f"(1-process CPU / max(main {two_run.own:.2f}s, worker {two_run.kids:.2f}s)): "
        "the speed-up on two idle cores"
    )
    print(f"                       {two_run.cpu / one_run.cpu:.2f}x CPU spent in total")
    if args.pysam:
        print(f"block engine vs pysam-record engine: {py_run.cpu / one_run.cpu:.2f}x (CPU)")
    same = one == two == single
    checks = Counter({"sharded == single": same})
    if bcf is not None:
        keys = [k for k in bcf if k != "samples"]
        checks["equal to bcftools"] = all(one[k] == bcf[k] for k in keys) and all(
            one["samples"][s][k] == v for s, cols in bcf["samples"].items() for k, v in cols.items()
        )
    if args.pysam:
        checks["pysam engine == block engine"] = via_pysam == one
    for name, ok in checks.items():
        print(f"check {name}: {'yes' if ok else 'NO'}")
    if tmp:
        for p in Path(tmp).iterdir():
            p.unlink()
        Path(tmp).rmdir()


if __name__ == "__main__":
    main()
