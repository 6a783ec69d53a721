"""Re-analysis: re-tier stored candidates against the newest PanelApp panels and publish,
per GMC, the variants that have newly become Tier 1 or 2 (the families to look at again)."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)


def newest_panels(url: str) -> tuple[str | None, list]:
    """The newest loaded panelapp delivery (its date) and the newest version of each panel.

    Re-tiering reads panels from the raw layer (loaded through the ledger), never a file the
    loader has not validated.
    """
    from loaders.genomes import panels_from_db

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select max(d.delivery_date) from ledger.deliveries d "
            "join ledger.files f on f.delivery_id = d.delivery_id "
            "where d.feed = 'panelapp' and f.status = 'loaded'"
        ).fetchone()
        panels = panels_from_db(conn)
    return (row[0].isoformat() if row and row[0] else None), panels


REANALYSIS_COLUMNS = [
    "gmc_code",
    "family_id",
    "proband_referral_id",
    "variant",
    "gene_symbol",
    "consequence",
    "tier",
    "segregation",
    "mode_of_inheritance",
    "panel_name",
    "panel_version",
]


def reanalyse(url: str, outbox: Path) -> dict:
    """Re-tier stored candidates against the newest panel versions; publish the new Tier 1/2.

    No VCF is read (loaders.genomes.retier_all works from raw.variant_candidates).
    The list is written per GMC as `<outbox>/reanalysis/<panel delivery date>/<GMC>.csv`
    (what each GMC acts on), plus `all.csv`; families with a `no_further_contact` or
    `no_further_use` withdrawal are left out, because the list is a recontact list.
    Rewritten whole on each run, so rerunning it publishes the same files.
    """
    from loaders.genomes import retier_all

    day, panels = newest_panels(url)
    if not panels:
        raise RuntimeError("no PanelApp panels are loaded: nothing to re-tier against")
    newly = retier_all(url, panels)
    with psycopg.connect(url) as conn:
        gmc = dict(
            conn.execute(
                "select distinct on (family_id) family_id, gmc_code "
                "from raw.referrals_participants order by family_id, delivery_date desc"
            ).fetchall()
        )
        excluded = _withdrawn_referrals(conn)
    rows = []
    for t in newly:
        if t.proband_referral_id in excluded:
            continue
        rows.append(
            {
                "gmc_code": gmc.get(t.family_id, "unknown"),
                "family_id": t.family_id,
                "proband_referral_id": t.proband_referral_id,
                "variant": t.variant_key,
                "gene_symbol": t.gene_symbol,
                "consequence": t.consequence,
                "tier": t.tier,
                "segregation": t.segregation,
                "mode_of_inheritance": t.mode_of_inheritance,
                "panel_name": t.panel_name,
                "panel_version": t.panel_version,
            }
        )
    folder = Path(outbox) / "reanalysis" / (day or "undated")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    by_gmc: dict[str, list[dict]] = {}
    for r in rows:
        by_gmc.setdefault(r["gmc_code"], []).append(r)
    for name, items in [("all", rows), *sorted(by_gmc.items())]:
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=REANALYSIS_COLUMNS)
            w.writeheader()
            w.writerows(items)
    log.info(
        "reanalysis against panels of %s: %d variants newly Tier 1/2 in %d families -> %s",
        day,
        len(rows),
        len({r["family_id"] for r in rows}),
        folder,
    )
    return {
        "panel_delivery": day,
        "panels": len(panels),
        "newly_tier_1_2": len(rows),
        "families": len({r["family_id"] for r in rows}),
        "withheld_withdrawn": len(newly) - len(rows),
        "published": str(folder),
    }


def _withdrawn_referrals(conn: psycopg.Connection) -> set[str]:
    """Referral ids with any withdrawal in the raw layer (none when the table is absent)."""
    exists = conn.execute("select to_regclass('raw.withdrawals') is not null").fetchone()[0]
    if not exists:
        return set()
    return {r[0] for r in conn.execute("select distinct referral_id from raw.withdrawals")}
