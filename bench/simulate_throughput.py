"""Benchmark: how fast the simulator writes a full `--scale wgs` genome.

Generates one rare-disease trio (or a single genome with --single) at whole-genome scale
with simulator.genomes.write_germline_vcf and prints records/s, seconds per genome and
file size; then times a `demo` family for the small-scale budget (500 participants well
under a minute). Speed targets live here, never in the tests.

    .venv/bin/python bench/simulate_throughput.py [--single] [--records N] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from domain.genes import GRCH38_CONTIGS, genes
from domain.inheritance import COMPOUND_HET, DE_NOVO, MOI_BIALLELIC, MOI_MONOALLELIC
from simulator import genomes as vcf
from simulator.families import causal_plan, trio
from simulator.genomes import background as bg
from simulator.model import Family

PANEL = ["SCN1A", "CFTR", "MYH7", "KCNQ1", "PKD1", "COL1A1", "FBN1", "BRCA1", "DMD", "TTN"]


def _family(single: bool) -> Family:
    fam = trio("FAM9000001", single=single)
    fam.causal = [causal_plan("SCN1A", MOI_MONOALLELIC, DE_NOVO, "HIGH")]
    if not single:
        fam.causal.append(causal_plan("CFTR", MOI_BIALLELIC, COMPOUND_HET, "HIGH"))
    return fam


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--single", action="store_true", help="one genome instead of a trio")
    ap.add_argument("--records", type=int, default=None, help="override the genome size")
    ap.add_argument("--out", type=Path, default=None, help="keep the files in this folder")
    args = ap.parse_args()
    console = Console()
    family = _family(args.single)
    panel = [genes()[s] for s in PANEL]
    # Warm caches (gene tables, FORMAT lookup table) so the timing is per genome.
    bg.sample_field_table()
    for c in GRCH38_CONTIGS:
        bg.contig_genes(c)

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "wgs_family.vcf.gz"
        with Progress(
            TextColumn("[bold]wgs genome"),
            BarColumn(),
            TextColumn("{task.fields[contig]} {task.fields[records]:,} records"),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("wgs", total=len(GRCH38_CONTIGS), contig="", records=0)

            def tick(contig: str, written: int) -> None:
                progress.update(task, advance=1, contig=contig, records=written)

            t0 = time.perf_counter()
            vcf.write_germline_vcf(
                path, family, panel, "wgs", 2026, records=args.records, on_contig=tick
            )
            seconds = time.perf_counter() - t0
            records = progress.tasks[0].fields["records"]
        size = path.stat().st_size
        tbi = Path(str(path) + ".tbi").stat().st_size
        n_samples = len(family.members)

        t0 = time.perf_counter()
        demo_files = 20
        for i in range(demo_files):
            vcf.write_germline_vcf(out / f"demo_{i}.vcf.gz", family, panel, "demo", i)
        demo_seconds = (time.perf_counter() - t0) / demo_files

    console.print(
        f"wgs {'single' if args.single else 'trio'}: {records:,} records x {n_samples} samples"
        f" in {seconds:.1f} s = {records / seconds:,.0f} records/s"
        f" ({records * n_samples / seconds:,.0f} genotypes/s)"
    )
    console.print(
        f"  {seconds:.1f} s per family file, {seconds / n_samples:.1f} s per genome;"
        f" file {size / 1e6:,.1f} MB + index {tbi / 1e6:,.1f} MB"
    )
    console.print(
        f"demo family ({n_samples} samples): {demo_seconds:.3f} s per file -> ~500 participants"
        f" (~{500 / n_samples:.0f} such files) in {demo_seconds * 500 / n_samples:.1f} s"
    )


if __name__ == "__main__":
    main()
