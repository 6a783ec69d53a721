"""`bcftools stats -s -` figures of a VCF/BCF in one streaming pass, optionally sharded.

The summary is the part of a genome's one read (variants.genome) that needs no pedigree:
`summarise` is that read without candidates.
"""

from __future__ import annotations

import os

from formats.vcf import VcfError
from variants.genome import read_genome
from variants.tally import SITE_KEYS, Summary

__all__ = ["SITE_KEYS", "Summary", "VcfError", "summarise"]


def summarise(path: str | os.PathLike, threads: int = 1, progress: bool = False) -> Summary:
    """Summarise a VCF/BCF (plain, gzip or BGZF; any contigs; any number of samples).

    `threads` is the number of cores to use. With an index and threads > 1 the file is
    sharded by contig over `threads` processes; without one, a second core reads the file
    ahead while the first counts. Every mode gives the identical result.
    """
    return read_genome(path, threads=threads, progress=progress).summary
