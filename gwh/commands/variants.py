"""`gwh summarise` and `gwh tier`: thin wrappers over variants functions."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from formats.vcf import VcfError
from variants.summary import summarise


def cmd_summarise(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    try:
        result = summarise(args.path, threads=args.threads, progress=not args.quiet)
    except VcfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    d = result.as_dict()
    elapsed = time.monotonic() - t0
    if args.json:
        print(json.dumps(d, indent=1))
    else:
        print(f"{args.path}")
        print(
            f"  records {d['records']:,}  SNVs {d['snvs']:,}  indels {d['indels']:,}  "
            f"MNPs {d['mnps']:,}  others {d['others']:,}  no-ALTs {d['no_alts']:,}"
        )
        print(f"  multiallelic {d['multiallelic_sites']:,}  Ts/Tv {d['ts_tv']}")
        for name, s in d["samples"].items():
            print(
                f"  {name}: het {s['het']:,} hom-alt {s['non_ref_hom']:,} "
                f"indels {s['indels']:,} missing {s['missing']:,} "
                f"mean DP {s['mean_depth']} sex {s['inferred_sex']}"
            )
    print(
        f"summarised {d['records']:,} records, {len(d['samples'])} samples, "
        f"{len(d['per_contig'])} contigs in {elapsed:.1f}s",
        file=sys.stderr,
    )
    return 0


def _url(args: argparse.Namespace) -> str:
    from warehouse import db

    return args.url or db.warehouse_url()


def cmd_variants_load(args: argparse.Namespace) -> int:
    """Every genome of the landing area's complete sequencing deliveries not processed yet.

    The same way in as the nightly DAG: the deliveries' manifests and QC files are loaded
    through the ledger first (`gwh load --feed sequencing`, a no-op once done), then every
    genome a loaded manifest names is summarised and tiered, exactly once.
    """
    import psycopg

    from loaders.genomes import pending_genomes, process_genomes
    from loaders.ingest import load_landing
    from loaders.pseudonymise import PseudonymKeyMissing

    url = _url(args)
    landing = Path(args.landing)
    if not landing.is_dir():
        print(f"error: landing area {landing} is not a directory", file=sys.stderr)
        return 2
    try:
        report = load_landing(landing, url, ["sequencing"], demo_key=args.demo_key)
    except PseudonymKeyMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    with psycopg.connect(url) as conn:
        refs = pending_genomes(conn)
    if not refs:
        print("no genomes to process: every genome a loaded manifest names is done")
        return 1 if report.failed else 0
    totals: Counter = Counter()
    tiers: Counter = Counter()
    for ref, r in zip(refs, process_genomes(url, landing, refs, threads=args.threads), strict=True):
        totals[r.status] += 1
        tiers.update(r.tiers)
        extra = f" [{r.reason}: {r.message}]" if r.reason else ""
        print(
            f"  {ref.delivery}/{r.file_name}: {r.status} {r.records:,} records, "
            f"{r.candidates} candidates{extra}",
            file=sys.stderr,
        )
    print(
        f"genomes: {dict(totals)}; tier rows written: "
        f"{ {f'tier {k}': v for k, v in sorted(tiers.items())} }"
    )
    return 1 if totals.get("failed") or report.failed else 0


def cmd_variants_retier(args: argparse.Namespace) -> int:
    from loaders.genomes import retier_all

    panels = json.loads(Path(args.panels).read_text(encoding="utf-8"))
    newly = retier_all(_url(args), panels)
    for t in newly:
        print(
            f"{t.family_id} {t.variant_key} {t.gene_symbol} tier {t.tier} "
            f"({t.segregation}, {t.panel_name} v{t.panel_version})"
        )
    print(f"{len(newly)} variants newly Tier 1/2", file=sys.stderr)
    return 0


def cmd_variants_tier(args: argparse.Namespace) -> int:
    """Tier one family VCF from files alone (no warehouse): for checking a case by hand."""
    import csv

    from variants.candidates import extract_candidates
    from variants.pedigree import pedigree_from_rows, read_participants
    from variants.tiering import best_tiers, load_panels, tier

    with open(args.manifest, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["file_name"] == Path(args.vcf).name]
    if not rows:
        print(f"error: {args.manifest}: no row names {Path(args.vcf).name}", file=sys.stderr)
        return 2
    platekeys = {r["platekey"]: r["referral_id"] for r in rows}
    ped = pedigree_from_rows(read_participants(args.participants), platekeys, rows[0]["family_id"])
    try:
        cands = extract_candidates(args.vcf, ped)
    except VcfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    best = best_tiers(tier(cands, load_panels(args.panels)))
    for t in sorted(best.values(), key=lambda t: (t.tier, t.chrom, t.pos)):
        print(
            f"tier {t.tier}\t{t.variant_key}\t{t.gene_symbol}\t{t.consequence}\t"
            f"{t.segregation}\t{t.panel_name or '-'} {t.panel_version or ''}"
        )
    print(f"{len(cands)} candidates, {len(best)} tiered variants", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summarise", help="bcftools-stats-compatible summary of a VCF/BCF (SN, TSTV, PSC)"
    )
    p.add_argument("path", help="VCF or BCF: plain, gzip or BGZF")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="processes; with a .tbi/.csi index the file is sharded by contig",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress counts")
    p.set_defaults(func=cmd_summarise)

    v = sub.add_parser("variants", help="genomes: load summaries/candidates/tiers, re-tier")
    vsub = v.add_subparsers(dest="variants_command", required=True, metavar="ACTION")
    ld = vsub.add_parser(
        "load", help="load the sequencing deliveries, then process every genome not done yet"
    )
    ld.add_argument("landing", help="landing area root")
    ld.add_argument(
        "--demo-key",
        action="store_true",
        help="use the published, non-secret demo pseudonymisation key (simulated data only)",
    )
    ld.add_argument("--threads", type=int, default=1, help="processes per genome summary")
    ld.add_argument("--url", help="warehouse URL (default: the project's resolution rule)")
    ld.set_defaults(func=cmd_variants_load)
    rt = vsub.add_parser("retier", help="re-tier stored candidates against a panels.json")
    rt.add_argument("panels", help="a PanelApp panels.json snapshot")
    rt.add_argument("--url", help="warehouse URL (default: the project's resolution rule)")
    rt.set_defaults(func=cmd_variants_retier)
    tr = vsub.add_parser("tier", help="tier one family VCF from files (no warehouse)")
    tr.add_argument("vcf")
    tr.add_argument("--participants", required=True, help="participants.csv")
    tr.add_argument("--manifest", required=True, help="manifest.csv listing the VCF")
    tr.add_argument("--panels", required=True, help="panels.json")
    tr.set_defaults(func=cmd_variants_tier)
