"""`bcftools stats -s -` figures of a VCF/BCF in one streaming pass, optionally sharded.

The pieces: formats.vcf reads the file as blocks of complete lines; variants.counting
counts them into distinct site patterns (numpy, variants.fastcount); variants.tally turns
pattern counts into the bcftools figures; variants.sharding spreads an indexed file's
contigs over several cores. One process (`threads=1`) uses one core: inflation and counting
share it.
"""

from __future__ import annotations

import os

from formats.vcf import VcfError, VcfReader
from variants.counting import count_blocks
from variants.sharding import sharded
from variants.tally import SITE_KEYS, Summary, expand, finish

__all__ = ["SITE_KEYS", "Summary", "VcfError", "summarise"]


def summarise(path: str | os.PathLike, threads: int = 1, progress: bool = False) -> Summary:
    """Summarise a VCF/BCF (plain, gzip or BGZF; any contigs; any number of samples).

    `threads` is the number of cores to use. With an index and threads > 1 the file is
    sharded by contig over `threads` processes; without one, a second core inflates the file
    while the first counts. Every mode gives the identical result.
    """
    reader = VcfReader(path)
    samples = reader.samples
    if threads > 1 and reader.source.index is not None:
        return finish(sharded(reader, threads, progress), samples)
    reader.check_index()
    first = reader.first_record_line
    raw = count_blocks(
        reader.path,
        reader.blocks(threaded=threads > 1),
        len(samples),
        progress=progress,
        header_lines=None if first is None else first - 1,
    )
    try:
        return expand(raw, samples)
    except ValueError as exc:  # e.g. a GT naming an allele the record does not have
        raise VcfError(reader.path, f"malformed genotype: {exc}") from exc
