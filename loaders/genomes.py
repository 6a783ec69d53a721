"""Loading genomes into the raw layer through the shared ledger (loaders.ingest).

`process_genome` is what the nightly DAG maps over the VCFs of a sequencing delivery: the
file goes through `loaders.ingest.process_file`, so it is processed exactly once (by
SHA-256), its summary, per-sample, per-contig, candidate and tier rows are COPYed in the same
transaction as its ledger row, and a file that is truncated, not BGZF, has a broken header,
uses contigs outside GRCh38 or breaks its manifest checksum is quarantined whole with a
`FileReason` while the other genomes load.

`retier_all` re-tiers every stored candidate against given panels without reading any VCF,
adds the new tier rows and returns the variants that have newly become Tier 1 or 2.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from domain.genes import GRCH38_CONTIGS
from domain.panels import Panel, PanelGene
from domain.reasons import FileReason, RowReason
from formats.vcf import VcfError, VcfReader
from loaders.feeds.sequencing import refuse_withdrawn
from loaders.ingest import Delivery, FileContext, FileError, process_file
from loaders.ingest.withdrawn import withdrawn_no_further_use
from variants.candidates import Candidate, extract_candidates
from variants.pedigree import pedigree_from_rows
from variants.summary import SITE_KEYS, summarise
from variants.tiering import TieredVariant, best_tiers, tier

log = logging.getLogger(__name__)

BUILD_CONTIGS = frozenset(GRCH38_CONTIGS)
MANIFEST = "manifest.csv"


@dataclass
class GenomeResult:
    """What happened to one VCF (safe to log: no identifiers beyond platekeys/ids)."""

    file_name: str
    status: str  # loaded | quarantined | already_loaded | duplicate | failed | refused | missing
    file_id: int | None = None
    reason: str | None = None
    message: str | None = None
    records: int = 0
    samples: int = 0
    candidates: int = 0
    tiers: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0


# ---------------------------------------------------------------------------------------
# lookups


def sequencing_delivery(landing: Path, delivery_dir: Path) -> Delivery:
    """The ledger's Delivery for a sequencing/<YYYY-MM-DD> folder."""
    root = Path(landing).resolve()
    d = Path(delivery_dir).resolve()
    rel = d.relative_to(root).as_posix()
    return Delivery(
        "sequencing", rel, d, date.fromisoformat(d.name), None, complete=(d / "_SUCCESS").is_file()
    )


def read_manifest(delivery_dir: Path) -> list[dict[str, str]]:
    path = Path(delivery_dir) / MANIFEST
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error):
        return []


def manifest_rows(delivery_dir: Path, file_name: str) -> list[dict[str, str]]:
    """The manifest rows naming this file (the manifest has one row per file)."""
    return [r for r in read_manifest(delivery_dir) if r.get("file_name") == file_name]


def platekey_referrals(
    conn: psycopg.Connection, delivery_dir: Path, samples: list[str]
) -> dict[str, str]:
    """platekey -> referral_id for the VCF's samples.

    A joint-called VCF has one manifest row, naming one platekey; the relatives' platekeys
    appear on their QC rows of the same delivery, or in an earlier delivery's manifest
    (raw.sequencing_manifest), which is consulted for whatever the local manifest lacks.
    """
    wanted = set(samples)
    out = {
        r["platekey"]: r["referral_id"]
        for r in read_manifest(delivery_dir)
        if r.get("platekey") in wanted and r.get("referral_id")
    }
    missing = sorted(wanted - set(out))
    if missing:
        for pk, rid in conn.execute(
            "select distinct on (platekey) platekey, referral_id from raw.sequencing_manifest "
            "where platekey = any(%s) order by platekey, delivery_date desc",
            (missing,),
        ):
            out[pk] = rid
    return out


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


def participants_from_db(conn: psycopg.Connection, family_id: str) -> list[dict[str, str]]:
    """The family's participants, newest delivery of each referral."""
    cur = conn.execute(
        """
        select distinct on (referral_id) referral_id, family_id, sex,
               relationship_to_proband, affection_status, specific_disease, programme,
               consent_status
        from raw.referrals_participants where family_id = %s
        order by referral_id, delivery_date desc, ledger_file_id desc
        """,
        (family_id,),
    )
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


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
    panels: list[Panel] | None,
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
            summary = summarise(ctx.path, threads=threads)
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
        # from the delivery's manifest (their QC rows) or earlier ones.
        gone = {r for r, _ in withdrawn_no_further_use(ctx.conn, ctx.delivery.delivery_date)}
        germline = [r for r in rows if r.get("sample_type") == "germline"]
        whose = (
            platekey_referrals(ctx.conn, ctx.path.parent, header.samples)
            if gone or germline
            else {}
        )
        with ctx.writer("raw.variant_sample_stats", SAMPLE_COLS) as w:
            for i, (name, s) in enumerate(d["samples"].items(), start=1):
                ref_id = by_platekey.get(name, {}).get("referral_id")
                if (ref_id or whose.get(name)) in gone:
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
        if germline:
            _tier_genome(ctx, result, germline[0]["family_id"], whose, panels)
        # every row written or refused is one delivered fact of the genome
        ctx.delivered = ctx.loaded + ctx.quarantined

    return handler


def _tier_genome(
    ctx: FileContext,
    result: GenomeResult,
    family_id: str,
    platekeys: dict[str, str],
    panels: list[Panel] | None,
) -> None:
    participants = participants_from_db(ctx.conn, family_id)
    if any(p["programme"] != "rare_disease" for p in participants):
        return  # cancer germline genomes are summarised, not tiered
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
        return
    ped = pedigree_from_rows(participants, platekeys, family_id)
    try:
        cands = extract_candidates(ctx.path, ped)
    except VcfError as exc:
        raise FileError(exc.code, str(exc).replace(str(ctx.path), ctx.path.name)) from exc
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
    current = panels if panels is not None else panels_from_db(ctx.conn)
    tiered = tier(cands, current)
    lines = _candidate_lines(cands)
    with ctx.writer("raw.variant_tiers", TIER_COLS) as w:
        for t in tiered:
            w.write(tier_row(t), lines[(t.variant_key, t.gene_symbol)], escape=True)
            result.tiers[t.tier] = result.tiers.get(t.tier, 0) + 1


def process_genome(
    url: str,
    landing: str | Path,
    delivery_dir: str | Path,
    file_name: str,
    *,
    panels: Iterable[Panel | Mapping] | None = None,
    threads: int = 1,
) -> GenomeResult:
    """Summarise, extract candidates from and tier one delivered VCF, exactly once.

    `delivery_dir` is the sequencing/<YYYY-MM-DD> folder holding the file and its manifest
    (which supplies the SHA-256 to verify, the family and the platekey -> referral mapping).
    `panels` defaults to the newest versions in raw.panelapp_*. Safe to call again: a file
    already loaded or quarantined returns `already_loaded` without reading it.
    """
    t0 = time.monotonic()
    landing = Path(landing)
    delivery = sequencing_delivery(landing, Path(delivery_dir))
    rows = manifest_rows(delivery.abs_path, file_name)
    expected = rows[0]["sha256"].lower() if rows and rows[0].get("sha256") else None
    current = None
    if panels is not None:
        from domain.panels import latest_panels

        current = latest_panels(panels)
    result = GenomeResult(file_name, "loaded")
    handler = _genome_handler(result, rows, current, threads)
    with psycopg.connect(url, autocommit=True) as conn:
        if not rows:

            def refuse(ctx: FileContext) -> None:
                raise FileError(FileReason.NOT_IN_MANIFEST, f"{file_name}: not in {MANIFEST}")

            handler = refuse
        elif rows[0].get("referral_id") in {
            r for r, _ in withdrawn_no_further_use(conn, delivery.delivery_date)
        }:
            # a re-delivered genome of a withdrawn proband/participant is refused
            handler = refuse_withdrawn
        out = process_file(
            conn, landing, delivery, file_name, "vcf", handler, expected_sha256=expected
        )
    result.status, result.file_id = out.status, out.file_id
    result.reason = out.file_reason
    result.message = out.message or result.message
    if out.status != "loaded":
        result.records = result.samples = result.candidates = 0
        result.tiers = {}
    result.seconds = time.monotonic() - t0
    log.info(
        "%s: %s (%s records, %s candidates, tiers %s)%s",
        file_name,
        result.status,
        result.records,
        result.candidates,
        result.tiers,
        f" [{result.reason}: {result.message}]" if result.reason else "",
    )
    return result


def genome_files(delivery_dir: str | Path) -> list[str]:
    """The VCF file names a sequencing delivery's manifest lists (each once, in order)."""
    path = Path(delivery_dir) / MANIFEST
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            if r.get("file_type") == "vcf" and r.get("file_name"):
                seen.setdefault(r["file_name"], None)
    return list(seen)


def process_delivery(
    url: str,
    landing: str | Path,
    delivery_dir: str | Path,
    *,
    threads: int = 1,
    panels: Iterable[Panel | Mapping] | None = None,
) -> list[GenomeResult]:
    """Every VCF of one sequencing delivery; a bad genome never stops the others."""
    return [
        process_genome(url, landing, delivery_dir, name, panels=panels, threads=threads)
        for name in genome_files(delivery_dir)
    ]


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
