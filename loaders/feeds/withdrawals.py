"""withdrawals/<date>/withdrawals.csv (feeds.md): consent withdrawals, pseudonymised.

Loaded first in every run so that a later delivery of the same run can honour them.
"""

from __future__ import annotations

from loaders.feeds.common import REFERRAL_ID
from loaders.ingest import Col, Delivery, FileContext, Run, TableSpec, load_delimited
from loaders.ingest.validation import Dates, NhsNumbers, date_check, in_set, pattern

OPTIONS = frozenset({"no_further_use", "no_further_contact"})


def withdrawals_spec(run: Run, ctx: FileContext) -> TableSpec:
    dates = Dates(ctx.delivery.delivery_date)

    cols = [
        Col("referral_id", pattern("referral_id", REFERRAL_ID, "RR + 8 digits"), max_len=10),
        Col("nhs_number", NhsNumbers(run.pseudonymiser, "nhs_number"), max_len=12, sensitive=True),
        Col("withdrawal_date", date_check(dates, "withdrawal_date"), max_len=10),
        Col("withdrawal_option", in_set("withdrawal_option", OPTIONS)),
    ]
    return TableSpec(
        "raw.withdrawals",
        cols,
        ["referral_id", "participant_pseudonym", "withdrawal_date", "withdrawal_option"],
        key=("referral_id",),
    )


def load_delivery(run: Run, delivery: Delivery) -> None:
    run.load_fixed(
        delivery,
        [
            (
                "withdrawals.csv",
                "withdrawals",
                lambda ctx: load_delimited(ctx, withdrawals_spec(run, ctx)),
            ),
        ],
    )
