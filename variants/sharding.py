"""Reading an indexed genome on several cores, exactly: one shard of contigs per core.

With a tabix/CSI index, contigs are spread over processes by record count (greedy bin
packing), each process inflates exactly its contigs' BGZF byte ranges (formats.vcf,
`VcfReader.contig_blocks`), folds its patterns into a `Tally` of plain sums, and the tallies
add, so every mode gives the single-process result.
"""

from __future__ import annotations

import gc
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from formats.tabix import IndexedContig
from formats.vcf import VcfError, VcfReader
from variants.candidates import Candidate, CandidateScan, CandidateSpec
from variants.counting import RawCounts, count_blocks
from variants.tally import Tally, fold


def plan_shards(weights: dict[str, int], k: int) -> list[list[str]]:
    """Split contigs over k workers so that they finish together: greedy bin packing
    (largest first, each onto the least-loaded worker), which is within a few percent of
    even for a genome's contigs, unlike contig order (chr1-chr12 against the rest)."""
    bins: list[list[str]] = [[] for _ in range(k)]
    loads = [0] * k
    for name in sorted(weights, key=lambda c: (-weights[c], c)):
        i = loads.index(min(loads))
        bins[i].append(name)
        loads[i] += weights[name]
    return [b for b in bins if b]


#: One contig of a shard: its file-order rank and how to read it (an index entry for a text
#: VCF, a name for a BCF, whose records pysam fetches by region).
_Part = tuple[int, IndexedContig | str]


#: A shard's result: its tally, and the candidates of each of its contigs by file rank.
ShardResult = tuple[Tally, list[tuple[int, list[Candidate]]]]


def _count_contigs(args: tuple[str, int, list[_Part], bool, CandidateSpec | None]) -> ShardResult:
    """A shard: count each of its contigs from exactly its indexed byte range and fold the
    patterns into a tally (which adds across shards, unlike nothing else would so cheaply),
    reading tiering's candidates (with a `CandidateSpec`) in the same pass.

    Every record must belong to the contig, and the count must equal the index's own (when
    it records one), so a stale index or an unsorted file is an error, not a silent miscount.
    """
    path, nsamp, parts, progress, spec = args
    reader = VcfReader(path)
    raw = RawCounts(dp_sum=[0] * nsamp, dp_n=[0] * nsamp)
    found: list[tuple[int, list[Candidate]]] = []
    for rank, contig in parts:
        scan = CandidateScan(spec) if spec is not None else None
        name = contig if isinstance(contig, str) else contig.name
        expected = None if isinstance(contig, str) else contig.records
        before = raw.records
        seen: set[str] = set()
        count_blocks(
            path,
            reader.contig_blocks(contig),
            nsamp,
            shard=name,
            out=raw,
            seen=seen,
            candidates=scan,
        )
        if scan is not None:
            found.append((rank, scan.found))
        stray = sorted(seen - {name})
        if stray:
            raise VcfError(
                path,
                f"a record of contig {stray[0]} lies in the indexed range of {name}: "
                "the file is not sorted by contig or the index is stale",
            )
        got = raw.records - before
        if expected is not None and got != expected:
            raise VcfError(
                path,
                f"contig {name} has {got:,} records but the index says {expected:,}: "
                "the index is stale",
            )
        if progress:
            print(f"  {name}: {got:,} records", file=sys.stderr, flush=True)
    try:
        return fold(raw, Tally.empty(nsamp)), found
    except ValueError as exc:
        raise VcfError(path, f"malformed genotype: {exc}") from exc


def sharded(
    reader: VcfReader, threads: int, progress: bool, spec: CandidateSpec | None = None
) -> tuple[Tally, list[Candidate]]:
    """Count an indexed file on `threads` cores, each taking a balanced set of contigs,
    and (with `spec`) read tiering's candidates in the same pass, returned in file order.

    Text VCFs are read straight from each contig's BGZF byte range (the index's pseudo-bin);
    BCFs through pysam's region fetch. threads-1 worker processes take a shard each and this
    process takes the last, so no core idles; their tallies add. `per_contig` is put back
    in file order, matching the single-process pass.
    """
    reader.check_index()
    nsamp = len(reader.samples)
    if reader.source.is_bcf:
        names = reader.contig_names()
        parts: list[_Part] = list(enumerate(names))
        weights = dict.fromkeys(names, 1)
    else:
        indexed = reader.indexed_contigs()
        parts = list(enumerate(indexed))
        if all(c.records is not None for c in indexed):
            weights = {c.name: c.records for c in indexed}
        else:  # no pseudo-bin: compressed bytes stand in for records
            weights = {c.name: (c.end >> 16) - (c.beg >> 16) + 1 for c in indexed}
    by_name = {(c if isinstance(c, str) else c.name): (i, c) for i, c in parts}
    # heaviest first: this process takes the last (lightest) shard, as it also does the
    # serial work (header, index, merge)
    shards = [
        sorted((by_name[n] for n in names), key=lambda part: part[0])
        for names in sorted(
            plan_shards(weights, threads), key=lambda b: -sum(weights[n] for n in b)
        )
    ]
    jobs = [(str(reader.path), nsamp, s, progress, spec) for s in shards]
    tally = Tally.empty(nsamp)
    found: list[tuple[int, list[Candidate]]] = []

    def add(result: ShardResult) -> None:
        tally.merge(result[0])
        found.extend(result[1])

    if len(jobs) > 1:
        # Forked workers share this process's heap copy-on-write; freezing it keeps the
        # collector from touching (and so copying) every inherited object in each worker.
        gc.freeze()
        try:
            with ProcessPoolExecutor(
                max_workers=len(jobs) - 1, mp_context=get_context("fork")
            ) as pool:
                futures = [pool.submit(_count_contigs, job) for job in jobs[:-1]]
                add(_count_contigs(jobs[-1]))
                for fut in futures:
                    add(fut.result())
        finally:
            gc.unfreeze()
    elif jobs:
        add(_count_contigs(jobs[0]))
    rank = {name: i for name, (i, _c) in by_name.items()}
    order = sorted(tally.per_contig, key=lambda c: rank.get(c, len(rank)))
    tally.per_contig = {c: tally.per_contig[c] for c in order}
    return tally, [c for _rank, cands in sorted(found, key=lambda x: x[0]) for c in cands]
