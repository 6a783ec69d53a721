"""`gwh withdraw LANDING`: apply loaded consent withdrawals everywhere (governance.withdrawal)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from governance.withdrawal import process_withdrawals
from loaders.pseudonymise import PseudonymKeyMissing, resolve_key


def cmd_withdraw(args: argparse.Namespace) -> int:
    from warehouse.db import warehouse_url

    try:
        key = resolve_key()  # before touching anything: no key, no withdrawal
    except PseudonymKeyMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    landing = Path(args.landing)
    if not landing.is_dir():
        print(f"error: landing area {landing} is not a directory", file=sys.stderr)
        return 2
    url = args.url or warehouse_url()
    report = process_withdrawals(url, landing, key)
    for o in report.applied:
        print(
            f"{o.referral_id} {o.withdrawal_option} ({o.withdrawal_date}): "
            f"{o.rows_removed} rows removed, {len(o.landing_files)} landing files changed"
        )
    print(report.summary())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "withdraw",
        help="apply loaded consent withdrawals to every layer and the landing area",
        description=(
            "Apply every withdrawal in raw.withdrawals not applied yet: no_further_use "
            "removes the participant from raw, quarantine, dbt tables, dq results and the "
            "landing area; each writes one audit.withdrawals row. Idempotent."
        ),
    )
    p.add_argument("landing", help="the landing area the withdrawals were loaded from")
    p.add_argument("--url", help="warehouse URL (default: the project rule)")
    p.set_defaults(func=cmd_withdraw)
