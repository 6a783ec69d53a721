"""A genome in one read: the `bcftools stats -s -` figures and tiering's candidates from one
streaming pass over the file, optionally sharded by contig.

Why one pass: inflating and tokenising the file is most of what either result costs, and
both need every line looked at. The compiled block scan (variants.fastcount) tokenises each
multi-megabyte block of lines for the summary counts and, in the same walk over the bytes,
marks the lines holding a HIGH/MODERATE annotation; only those few are decoded and read as
candidates (variants.candidates). Reading the file a second time for candidates cost about
two thirds of the summary again.

The pieces: formats.vcf reads the file as blocks of complete lines; variants.counting counts
them into distinct site patterns and hands hit lines to a `CandidateScan`; variants.tally
turns pattern counts into the bcftools figures; variants.sharding spreads an indexed file's
contigs over several cores, each shard reading its own contigs' candidates. One process
(`threads=1`) uses one core: inflation, counting and candidates share it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from formats.vcf import VcfError, VcfReader
from variants.candidates import Candidate, CandidateScan, candidate_spec
from variants.counting import count_blocks
from variants.pedigree import Pedigree
from variants.sharding import sharded
from variants.tally import Summary, expand, finish


@dataclass
class GenomeRead:
    """What one read of a genome gives: its summary, and its candidates when a pedigree
    was given (None otherwise), in file order."""

    summary: Summary
    candidates: list[Candidate] | None


def read_genome(
    path: str | os.PathLike,
    pedigree: Pedigree | None = None,
    threads: int = 1,
    progress: bool = False,
) -> GenomeRead:
    """Summarise a VCF/BCF (plain, gzip or BGZF; any contigs; any number of samples) and,
    given the family's `pedigree`, read its tiering candidates in the same pass.

    `threads` is the number of cores to use. With an index and threads > 1 the file is
    sharded by contig over `threads` processes; without one, a second core reads the file
    ahead while the first counts. Every mode gives the identical result, and the candidates
    are those `variants.candidates.extract_candidates` reads in a pass of its own.
    """
    reader = VcfReader(path)
    samples = reader.samples
    spec = None
    if pedigree is not None:
        spec = candidate_spec(reader.path, reader.header.lines, samples, pedigree)
    if threads > 1 and reader.source.index is not None:
        tally, cands = sharded(reader, threads, progress, spec)
        return GenomeRead(finish(tally, samples), cands if spec is not None else None)
    reader.check_index()
    first = reader.first_record_line
    scan = CandidateScan(spec) if spec is not None else None
    raw = count_blocks(
        reader.path,
        reader.blocks(threaded=threads > 1),
        len(samples),
        progress=progress,
        header_lines=None if first is None else first - 1,
        candidates=scan,
    )
    try:
        summary = expand(raw, samples)
    except ValueError as exc:  # e.g. a GT naming an allele the record does not have
        raise VcfError(reader.path, f"malformed genotype: {exc}") from exc
    return GenomeRead(summary, scan.found if scan is not None else None)
