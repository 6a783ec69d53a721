"""Loading genomes into the raw layer through the shared ledger (loaders.ingest).

`process_genome` is what the nightly DAG maps over the VCFs of a sequencing delivery: each
is read once (variants.genome: summary and tiering candidates in one pass), and the file
goes through `loaders.ingest.process_file`, so it is processed exactly once (by
SHA-256), its summary, per-sample, per-contig, candidate and tier rows are COPYed in the same
transaction as its ledger row, and a file that is truncated, not BGZF, has a broken header,
uses contigs outside GRCh38 or breaks its manifest checksum is quarantined whole with a
`FileReason` while the other genomes load.

`retier_all` re-tiers every stored candidate against given panels without reading any VCF,
adds the new tier rows and returns the variants that have newly become Tier 1 or 2.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

import psycopg

from domain.genes import GRCH38_CONTIGS
from domain.panels import Panel, PanelGene
from domain.reasons import FileReason, RowReason
from formats.vcf import VcfError, VcfReader
from loaders.feeds.sequencing import refuse_withdrawn, withdrawn_platekeys
from loaders.ingest import (
    SUCCESS,
    Delivery,
    FileContext,
    FileError,
    process_file,
)
from loaders.ingest.withdrawn import withdrawn_no_further_use
from variants.candidates import Candidate
from variants.genome import read_genome
from variants.pedigree import Pedigree, pedigree_from_rows
from variants.tally import SITE_KEYS
from variants.tiering import TieredVariant, best_tiers, tier

log = logging.getLogger(__name__)

BUILD_CONTIGS = frozenset(GRCH38_CONTIGS)
MANIFEST = "manifest.csv"


@dataclass
class GenomeResult:
    """What happened to one VCF (safe to log: no identifiers beyond platekeys/ids)."""

    file_name: str
    #: loaded | quarantined | already_loaded | duplicate | failed | refused | missing, or,
    #: with nothing read or recorded: incomplete (the delivery has no _SUCCESS yet) and
    #: not_in_manifest (no accepted manifest row names the file)
    status: str
    file_id: int | None = None
    reason: str | None = None
    message: str | None = None
    records: int = 0
    samples: int = 0
    candidates: int = 0
    tiers: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------
# what to process, and what a batch of genomes needs to know


@dataclass(frozen=True)
class GenomeRef:
    """One genome to process: a VCF named by a loaded manifest, by its delivery folder
    (relative to the landing root) and file name. Plain strings, so it travels as XCom."""

    delivery: str
    file_name: str

    def as_dict(self) -> dict[str, str]:
        return {"delivery": self.delivery, "file_name": self.file_name}


def pending_genomes(
    conn: psycopg.Connection,
    due: date | None = None,
    *,
    delivery: str | None = None,
    finished_too: bool = False,
) -> list[GenomeRef]:
    """The VCFs still to process, in delivery and manifest order: every `vcf` row of a loaded
    manifest (raw.sequencing_manifest: read through the ledger and validated, so a manifest
    or a row the loader quarantined lists nothing) whose file has no final ledger row yet.

    `due` bounds the delivery date (a night processes deliveries dated up to itself),
    `delivery` keeps one delivery folder, and `finished_too` lists the genomes already
    finished as well (to report on a whole delivery). One query, whatever the size.
    """
    rows = conn.execute(
        """
        select d.path, m.file_name
        from raw.sequencing_manifest as m
        inner join ledger.files as mf on mf.file_id = m.ledger_file_id
        inner join ledger.deliveries as d on d.delivery_id = mf.delivery_id
        where m.file_type = 'vcf'
          and mf.status = 'loaded'
          and (%(due)s::date is null or d.delivery_date <= %(due)s::date)
          and (%(delivery)s::text is null or d.path = %(delivery)s::text)
          and (%(all)s or not exists (
              select 1 from ledger.files as v
              where v.path = d.path || '/' || m.file_name
                and v.status in ('loaded', 'quarantined', 'refused', 'duplicate', 'missing')
          ))
        group by d.path, d.delivery_date, m.file_name
        order by d.delivery_date, d.path, min(m.source_line)
        """,
        {"due": due, "delivery": delivery, "all": finished_too},
    ).fetchall()
    return [GenomeRef(path, name) for path, name in rows]


@dataclass
class BatchContext:
    """What every genome of a batch needs from the warehouse, fetched once per batch instead
    of once per genome: the manifest rows naming each file, platekey -> referral for every
    family in the batch, the families' referral rows, the withdrawn register and the panels.
    """

    manifest: dict[tuple[str, str], list[dict[str, str]]]
    referral_of: dict[str, str]
    participants: dict[str, list[dict[str, str]]]
    withdrawn: dict[date, set[str]]
    panels: list[Panel] | None
    finished: dict[str, tuple[int, str, str | None]]  # path -> (file_id, status, reason)

    @classmethod
    def fetch(
        cls,
        conn: psycopg.Connection,
        landing: Path,
        refs: Sequence[GenomeRef],
        panels: list[Panel] | None,
    ) -> BatchContext:
        deliveries = sorted({r.delivery for r in refs})
        names = sorted({r.file_name for r in refs})
        manifest: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
        cur = conn.execute(
            """
            select d.path as delivery, m.platekey, m.referral_id, m.family_id, m.sample_type,
                   m.file_name, m.file_type, m.sha256
            from raw.sequencing_manifest as m
            inner join ledger.files as mf on mf.file_id = m.ledger_file_id
            inner join ledger.deliveries as d on d.delivery_id = mf.delivery_id
            where mf.status = 'loaded' and d.path = any(%s) and m.file_name = any(%s)
            order by d.path, m.source_line
            """,
            (deliveries, names),
        )
        cols = [c.name for c in cur.description]
        for row in cur.fetchall():
            r = dict(zip(cols, row, strict=True))
            manifest[(r.pop("delivery"), r["file_name"])].append(r)
        families = sorted({r["family_id"] for rows in manifest.values() for r in rows})
        referral_of = dict(
            conn.execute(
                "select distinct on (platekey) platekey, referral_id "
                "from raw.sequencing_manifest where family_id = any(%s) "
                "order by platekey, delivery_date desc, ledger_file_id desc",
                (families,),
            ).fetchall()
        )
        participants: dict[str, list[dict[str, str]]] = defaultdict(list)
        cur = conn.execute(
            """
            select distinct on (referral_id) referral_id, family_id, sex,
                   relationship_to_proband, affection_status, specific_disease, programme,
                   consent_status
            from raw.referrals_participants where family_id = any(%s)
            order by referral_id, delivery_date desc, ledger_file_id desc
            """,
            (families,),
        )
        cols = [c.name for c in cur.description]
        for row in cur.fetchall():
            r = dict(zip(cols, row, strict=True))
            participants[r["family_id"]].append(r)
        withdrawn = {
            day: {r for r, _ in withdrawn_no_further_use(conn, day)}
            for day in {date.fromisoformat(PurePosixPath(d).name) for d in deliveries}
        }
        # A withdrawn relative's sample column: their manifest rows were refused (kept
        # nowhere), so their platekeys come from the delivered manifests themselves.
        root = Path(landing).resolve()
        for d in deliveries:
            day = date.fromisoformat(PurePosixPath(d).name)
            if withdrawn[day]:
                delivery = Delivery("sequencing", d, root / d, day, None, complete=True)
                referral_of.update(withdrawn_platekeys(root, delivery, withdrawn[day]))
        finished = {
            path: (fid, status, reason)
            for path, fid, status, reason in conn.execute(
                "select distinct on (f.path) f.path, f.file_id, f.status, q.reason "
                "from ledger.files as f "
                "left join quarantine.files as q on q.ledger_file_id = f.file_id "
                "where f.path = any(%s) "
                "and f.status in ('loaded', 'quarantined', 'refused', 'duplicate', 'missing') "
                "order by f.path, f.file_id",
                ([f"{r.delivery}/{r.file_name}" for r in refs],),
            )
        }
        return cls(dict(manifest), referral_of, dict(participants), withdrawn, panels, finished)


def panels_from_db(conn: psycopg.Connection) -> list[Panel]:
    """The newest version of every panel in the raw layer (snapshots only grow)."""
    panels = conn.execute(
        """
        select distinct on (panel_id) panel_id, name, version, relevant_disorders
        from raw.panelapp_panels
        order by panel_id, string_to_array(version, '.')::int[] desc, ledger_file_id desc
        """
    ).fetchall()
    out = []
    for pid, name, version, disorders in panels:
        genes = conn.execute(
            """
            select distinct on (gene_symbol) gene_symbol, hgnc_id, confidence_level,
                   mode_of_inheritance
            from raw.panelapp_genes where panel_id = %s and panel_version = %s
            order by gene_symbol, ledger_file_id desc
            """,
            (pid, version),
        ).fetchall()
        out.append(Panel(pid, name, version, tuple(disorders), tuple(PanelGene(*g) for g in genes)))
    return out


# ---------------------------------------------------------------------------------------
# writing


# raw.variant_summaries: the file's identity, then the SN/TSTV figures in stats' order.
SUMMARY_COLS = ["file_name", "family_id", "sample_type", "n_samples", *SITE_KEYS, "ts_tv"]
SAMPLE_COLS = [
    "platekey",
    "referral_id",
    "ref_hom",
    "non_ref_hom",
    "het",
    "transitions",
    "transversions",
    "indels",
    "singletons",
    "missing",
    "mean_depth",
    "haploid_ref",
    "haploid_alt",
    "chrx_het",
    "chrx_hom_alt",
    "chrx_het_ratio",
    "inferred_sex",
]
CANDIDATE_COLS = [
    "family_id",
    "proband_referral_id",
    "specific_disease",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene_symbol",
    "hgnc_id",
    "impact",
    "consequences",
    "gnomad_af",
    "patterns",
    "candidate",
]
TIER_COLS = [
    "family_id",
    "proband_referral_id",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene_symbol",
    "consequence",
    "impact",
    "gnomad_af",
    "tier",
    "segregation",
    "mode_of_inheritance",
    "panel_id",
    "panel_name",
    "panel_version",
]


def _s(v: object) -> str | None:
    return None if v is None else str(v)


def _pg_array(items: Iterable[str]) -> str:
    # consequence terms and pattern names are [a-z_] only: no quoting needed
    return "{" + ",".join(items) + "}"


def tier_row(t: TieredVariant) -> list[str | None]:
    return [
        t.family_id,
        t.proband_referral_id,
        t.chrom,
        str(t.pos),
        t.ref,
        t.alt,
        t.gene_symbol,
        t.consequence,
        t.impact,
        repr(t.gnomad_af),
        str(t.tier),
        t.segregation,
        t.mode_of_inheritance,
        _s(t.panel_id),
        t.panel_name,
        t.panel_version,
    ]


def _candidate_lines(cands: list[Candidate]) -> dict[tuple[str, str], int]:
    return {(c.variant_key, c.gene_symbol): i for i, c in enumerate(cands, start=1)}


def _genome_handler(
    result: GenomeResult,
    rows: list[dict[str, str]],
    batch: BatchContext,
    threads: int,
):
    def handler(ctx: FileContext) -> None:
        try:
            reader = VcfReader(ctx.path)
            if reader.source.compression != "bgzf":
                raise FileError(
                    FileReason.NOT_BGZF,
                    f"{ctx.path.name}: not BGZF-compressed (feeds.md: bgzip + tabix)",
                )
            header = reader.header
            # a rare-disease family's pedigree is settled first, so that its candidates
            # are read in the same pass over the file as the summary
            germline = [r for r in rows if r.get("sample_type") == "germline"]
            whose = {s: batch.referral_of[s] for s in header.samples if s in batch.referral_of}
            ped = (
                _pedigree(ctx, result, germline[0]["family_id"], whose, batch) if germline else None
            )
            genome = read_genome(ctx.path, ped, threads=threads)
            summary = genome.summary
        except VcfError as exc:
            raise FileError(exc.code, str(exc).replace(str(ctx.path), ctx.path.name)) from exc
        outside = sorted((set(header.contigs) | set(summary.per_contig)) - BUILD_CONTIGS)
        if outside:
            shown = ", ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")
            raise FileError(
                FileReason.CONTIG_NOT_IN_BUILD,
                f"{ctx.path.name}: contigs outside GRCh38 chr1-22,X,Y,M: {shown}",
            )
        d = summary.as_dict()
        result.records, result.samples = d["records"], len(d["samples"])
        by_platekey = {r.get("platekey"): r for r in rows}
        first = rows[0] if rows else {}
        with ctx.writer("raw.variant_summaries", SUMMARY_COLS) as w:
            w.write(
                [
                    ctx.path.name,
                    first.get("family_id"),
                    first.get("sample_type"),
                    str(len(d["samples"])),
                    *[str(d[k]) for k in SUMMARY_COLS[4:]],
                ],
                1,
                escape=True,
            )
        # a re-delivered joint VCF may still carry a relative who withdrew (the
        # proband did not, or the whole file would have been refused): their column is
        # summarised with the family's file (as governance.withdrawal leaves it) but their own
        # statistics are refused, counted, and kept nowhere. The relatives' platekeys come
        # from the manifests loaded so far (their QC rows in this delivery, or earlier ones).
        gone = batch.withdrawn.get(ctx.delivery.delivery_date, set())
        with ctx.writer("raw.variant_sample_stats", SAMPLE_COLS) as w:
            for i, (name, s) in enumerate(d["samples"].items(), start=1):
                ref_id = by_platekey.get(name, {}).get("referral_id") or whose.get(name)
                if ref_id in gone:
                    ctx.quarantine(
                        i,
                        RowReason.WITHDRAWN_PARTICIPANT,
                        "sample of a participant who withdrew (no_further_use); "
                        "its statistics are not loaded",
                        "",
                    )
                    continue
                w.write([name, ref_id, *[_s(s[k]) for k in SAMPLE_COLS[2:]]], i, escape=True)
        with ctx.writer("raw.variant_contig_counts", ["contig", "records", "snvs", "indels"]) as w:
            for i, (contig, c) in enumerate(d["per_contig"].items(), start=1):
                w.write(
                    [contig, str(c["records"]), str(c["snvs"]), str(c["indels"])], i, escape=True
                )
        if genome.candidates is not None:
            _write_tiers(ctx, result, genome.candidates, batch)
        # every row written or refused is one delivered fact of the genome
        ctx.delivered = ctx.loaded + ctx.quarantined

    return handler


def _pedigree(
    ctx: FileContext,
    result: GenomeResult,
    family_id: str,
    platekeys: dict[str, str],
    batch: BatchContext,
) -> Pedigree | None:
    """The pedigree a germline genome is tiered with, or None when it is not tiered."""
    participants = batch.participants.get(family_id, [])
    if any(p["programme"] != "rare_disease" for p in participants):
        return None  # cancer germline genomes are summarised, not tiered
    probands = [
        p
        for p in participants
        if p["relationship_to_proband"] == "proband" and p["referral_id"] in platekeys.values()
    ]
    if not probands:
        # The family's referral rows are absent (quarantined, withdrawn, not delivered): the
        # genome's summary loads, but segregation cannot be called without the pedigree.
        result.message = (
            f"not tiered: family {family_id} has no sequenced proband among its loaded "
            "referral rows"
        )
        log.warning("%s: %s", ctx.path.name, result.message)
        return None
    return pedigree_from_rows(participants, platekeys, family_id)


def _write_tiers(
    ctx: FileContext, result: GenomeResult, cands: list[Candidate], batch: BatchContext
) -> None:
    """The genome's candidates (read in its one pass) and their tiers."""
    result.candidates = len(cands)
    with ctx.writer("raw.variant_candidates", CANDIDATE_COLS) as w:
        for i, c in enumerate(cands, start=1):
            w.write(
                [
                    c.family_id,
                    c.proband_referral_id,
                    c.specific_disease,
                    c.chrom,
                    str(c.pos),
                    c.ref,
                    c.alt,
                    c.gene_symbol,
                    c.hgnc_id,
                    c.impact,
                    _pg_array(c.consequences),
                    repr(c.gnomad_af),
                    _pg_array(c.patterns),
                    json.dumps(c.to_json()),
                ],
                i,
                escape=True,
            )
    if batch.panels is None:
        batch.panels = panels_from_db(ctx.conn)
    tiered = tier(cands, batch.panels)
    lines = _candidate_lines(cands)
    with ctx.writer("raw.variant_tiers", TIER_COLS) as w:
        for t in tiered:
            w.write(tier_row(t), lines[(t.variant_key, t.gene_symbol)], escape=True)
            result.tiers[t.tier] = result.tiers.get(t.tier, 0) + 1


def process_genomes(
    url: str,
    landing: str | Path,
    refs: Sequence[GenomeRef],
    *,
    panels: Iterable[Panel | Mapping] | None = None,
    threads: int = 1,
) -> list[GenomeResult]:
    """Summarise, extract candidates from and tier a batch of genomes, each exactly once.

    Each genome is its own ledger transaction (a bad one is quarantined alone, a failed one
    leaves nothing behind); what they share (manifest rows, platekeys, families, withdrawn
    participants, panels) is read once for the batch. The manifest row of each VCF comes
    from raw.sequencing_manifest, so only a manifest the loader accepted names a genome;
    a VCF no loaded manifest names is quarantined NOT_IN_MANIFEST. `panels` defaults to
    the newest versions in raw.panelapp_*. Safe to call again: a genome already loaded or
    quarantined returns `already_loaded` without being read.
    """
    from domain.panels import latest_panels

    root = Path(landing).resolve()
    current = latest_panels(panels) if panels is not None else None
    out: list[GenomeResult] = []
    with psycopg.connect(url, autocommit=True) as conn:
        batch = BatchContext.fetch(conn, root, refs, current)
        for ref in refs:
            out.append(_process_one(conn, root, ref, batch, threads))
    return out


def _process_one(
    conn: psycopg.Connection, root: Path, ref: GenomeRef, batch: BatchContext, threads: int
) -> GenomeResult:
    t0 = time.monotonic()
    folder = root / ref.delivery
    delivery = Delivery(
        "sequencing",
        ref.delivery,
        folder,
        date.fromisoformat(PurePosixPath(ref.delivery).name),
        None,
        complete=(folder / SUCCESS).is_file(),
    )
    done_before = batch.finished.get(f"{ref.delivery}/{ref.file_name}")
    if done_before is not None:
        # finished by an earlier run (or by the sequencing loader, e.g. a checksum
        # mismatch): not read again; the ledger's quarantine reason says why, if any
        file_id, status, reason = done_before
        return GenomeResult(
            ref.file_name, "already_loaded", file_id, reason, f"finished earlier: {status}"
        )
    if not delivery.complete:
        # still being written (feeds.md: `_SUCCESS` comes last): nothing is read or recorded
        return GenomeResult(
            ref.file_name, "incomplete", message=f"{ref.delivery}: no {SUCCESS} yet; not read"
        )
    rows = batch.manifest.get((ref.delivery, ref.file_name), [])
    if not rows:
        # Only a manifest row the loader accepted names a genome. Every other file of the
        # delivery has its fate recorded by the sequencing loader: unlisted (quarantined
        # not_in_manifest), listed by a refused row (e.g. a withdrawn participant), missing.
        return GenomeResult(
            ref.file_name,
            "not_in_manifest",
            message=f"{ref.delivery}: no accepted {MANIFEST} row names it; not read",
        )
    expected = rows[0]["sha256"].lower() if rows[0].get("sha256") else None
    result = GenomeResult(ref.file_name, "loaded")
    handler = _genome_handler(result, rows, batch, threads)
    if rows[0].get("referral_id") in batch.withdrawn.get(delivery.delivery_date, set()):
        # withdrawn since the manifest loaded: refused, counted, never read
        handler = refuse_withdrawn
    done = process_file(
        conn, root, delivery, ref.file_name, "vcf", handler, expected_sha256=expected
    )
    result.status, result.file_id = done.status, done.file_id
    result.reason = done.file_reason
    result.message = done.message or result.message
    if done.status != "loaded":
        result.records = result.samples = result.candidates = 0
        result.tiers = {}
    result.seconds = time.monotonic() - t0
    log.info(
        "%s: %s (%s records, %s candidates, tiers %s)%s",
        ref.file_name,
        result.status,
        result.records,
        result.candidates,
        result.tiers,
        f" [{result.reason}: {result.message}]" if result.reason else "",
    )
    return result


def process_genome(
    url: str,
    landing: str | Path,
    delivery_dir: str | Path,
    file_name: str,
    *,
    panels: Iterable[Panel | Mapping] | None = None,
    threads: int = 1,
) -> GenomeResult:
    """One genome of a sequencing delivery (`process_genomes` with a batch of one), after
    loading the delivery's manifest and QC files (`load_sequencing_delivery`)."""
    root = Path(landing).resolve()
    rel = load_sequencing_delivery(url, root, delivery_dir)
    ref = GenomeRef(rel, file_name)
    return process_genomes(url, root, [ref], panels=panels, threads=threads)[0]


def load_sequencing_delivery(url: str, landing: Path, delivery_dir: str | Path) -> str:
    """Load one sequencing delivery's manifest and QC files through the ledger, as `gwh
    load` does (a no-op once loaded): only a loaded manifest names genomes. Returns the
    delivery's path relative to the landing root."""
    from loaders.ingest import load_landing

    root = Path(landing).resolve()
    rel = Path(delivery_dir).resolve().relative_to(root).as_posix()
    load_landing(root, url, ["sequencing"], due=lambda d: d.rel_path == rel)
    return rel


def process_delivery(
    url: str,
    landing: str | Path,
    delivery_dir: str | Path,
    *,
    threads: int = 1,
    panels: Iterable[Panel | Mapping] | None = None,
) -> list[GenomeResult]:
    """Every genome of one sequencing delivery; a bad genome never stops the others, and a
    genome finished earlier is reported (`already_loaded`) without being read. The
    delivery's manifest and QC files are loaded first, through the same ledger as `gwh load`
    (a no-op when they are loaded already), because only a loaded manifest names genomes."""
    root = Path(landing).resolve()
    rel = load_sequencing_delivery(url, root, delivery_dir)
    with psycopg.connect(url) as conn:
        refs = pending_genomes(conn, delivery=rel, finished_too=True)
    return process_genomes(url, root, refs, panels=panels, threads=threads)


# ---------------------------------------------------------------------------------------
# re-tiering


def retier_all(url: str, panels: Iterable[Panel | Mapping]) -> list[TieredVariant]:
    """Re-tier every stored candidate against `panels` (newest version per panel id).

    Reads only raw.variant_candidates (never a VCF); adds the tier rows this panel version
    produces that are not stored yet (COPY into a temporary table, then insert ... on
    conflict do nothing) and returns the variants now Tier 1/2 that had no Tier 1/2 before.
    """
    from domain.panels import latest_panels

    current = latest_panels(panels)
    with psycopg.connect(url) as conn:
        prior = {
            (fam, f"{chrom}:{pos}:{ref}:{alt}"): t
            for fam, chrom, pos, ref, alt, t in conn.execute(
                "select family_id, chrom, pos, ref, alt, min(tier) from raw.variant_tiers "
                "group by 1, 2, 3, 4, 5"
            ).fetchall()
        }
        by_file: dict[int, list[tuple[int, date, Candidate]]] = defaultdict(list)
        for fid, line, day, cand in conn.execute(
            "select c.ledger_file_id, c.source_line, c.delivery_date, c.candidate "
            "from raw.variant_candidates c join ledger.files f on f.file_id = c.ledger_file_id "
            "where f.status = 'loaded' order by 1, 2"
        ):
            by_file[fid].append((line, day, Candidate.from_json(cand)))
        conn.execute(
            "create temporary table retier (like raw.variant_tiers including defaults) "
            "on commit drop"
        )
        new_rows: list[TieredVariant] = []
        cols = ", ".join(["ledger_file_id", "source_line", "delivery_date", *TIER_COLS])
        with conn.cursor() as cur, cur.copy(f"copy retier ({cols}) from stdin") as cp:
            for fid, items in by_file.items():
                cands = [c for _, _, c in items]
                lines = {(c.variant_key, c.gene_symbol): (ln, day) for ln, day, c in items}
                for t in tier(cands, current):
                    ln, day = lines[(t.variant_key, t.gene_symbol)]
                    cp.write_row([fid, ln, day, *tier_row(t)])
                    new_rows.append(t)
        added = conn.execute(
            "insert into raw.variant_tiers select * from retier on conflict do nothing"
        ).rowcount
        conn.commit()
    newly = [
        t
        for k, t in best_tiers(new_rows).items()
        if t.tier <= 2 and (prior.get(k) is None or prior[k] > 2)
    ]
    log.info(
        "re-tiered %d genomes: %d tier rows added, %d newly Tier 1/2",
        len(by_file),
        added,
        len(newly),
    )
    return sorted(newly, key=lambda t: (t.family_id, t.chrom, t.pos))
