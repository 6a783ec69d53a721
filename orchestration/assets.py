"""The Assets the DAGs name: data-aware scheduling needs both DAGs to use identical URIs.

Nothing here touches the database or the landing area: Airflow imports it at every parse.
"""

from __future__ import annotations

import os

from airflow.sdk import Asset

#: Asset URIs follow Airflow's postgres scheme: postgres://host:port/database/schema/table.
#: The namespace is the warehouse as deployed (compose service `warehouse-db`, database gwh);
#: it names the data, it is not used to connect.
ASSET_NAMESPACE = os.environ.get("GWH_ASSET_NAMESPACE", "postgres://warehouse-db:5432/gwh")


def warehouse_asset(schema: str, table: str) -> Asset:
    """The Asset for one warehouse table."""
    return Asset(name=f"gwh.{schema}.{table}", uri=f"{ASSET_NAMESPACE}/{schema}/{table}")


RAW_REFERRALS = warehouse_asset("raw", "referrals_participants")
RAW_HES = warehouse_asset("raw", "hes_apc")
RAW_MORTALITY = warehouse_asset("raw", "mortality_deaths")
RAW_SEQUENCING = warehouse_asset("raw", "sequencing_manifest")
RAW_PANELAPP = warehouse_asset("raw", "panelapp_panels")
VARIANT_TIERS = warehouse_asset("raw", "variant_tiers")
MARTS = warehouse_asset("marts", "fct_tiered_variant")
REPORTING = warehouse_asset("reporting", "rpt_tier_distribution")
WITHDRAWALS = warehouse_asset("audit", "withdrawals")
#: Published by the reanalysis DAG: the per-GMC lists of newly Tier 1/2 variants.
REANALYSIS = Asset(name="gwh.outbox.reanalysis", uri="file:///gwh/outbox/reanalysis")
#: Published by the release DAG: the newest research data release (release_latest).
RELEASES = warehouse_asset("release_latest", "participant")
