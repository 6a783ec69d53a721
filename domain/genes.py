"""GRCh38 genes and contigs, from the reference table shipped in `domain/reference/`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: The primary GRCh38 contigs, in the order deliveries (and their VCF headers) list them.
GRCH38_CONTIGS: tuple[str, ...] = tuple(
    [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]
)

#: Contig names of the X chromosome (sex inference, hemizygous calls).
X_CONTIGS = frozenset({"X", "chrX"})

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def reference_path(name: str) -> Path:
    """A file under domain/reference (shipped with the package, see PROVENANCE.md)."""
    return REFERENCE_DIR / name


@dataclass(frozen=True)
class Gene:
    """A GRCh38 gene from domain/reference/grch38_genes.tsv."""

    symbol: str
    chrom: str
    start: int
    end: int
    ensembl_id: str
    ncbi_id: str


@cache
def genes() -> dict[str, Gene]:
    """GRCh38 genes by HGNC symbol (first row wins for the rare duplicated symbols)."""
    out: dict[str, Gene] = {}
    with reference_path("grch38_genes.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            sym = row["gene_symbol"]
            if sym and sym not in out:
                out[sym] = Gene(
                    symbol=sym,
                    chrom=row["chrom"],
                    start=int(row["start"]),
                    end=int(row["end"]),
                    ensembl_id=row["ensembl_gene_id"],
                    ncbi_id=row["ncbi_gene_id"],
                )
    return out
