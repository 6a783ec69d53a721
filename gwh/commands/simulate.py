"""`gwh simulate`: generate a programme's landing area and ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_simulate(args: argparse.Namespace) -> int:
    from gwh.console import make_console
    from simulator.simulate import simulate

    simulate(
        Path(args.out),
        participants=args.participants,
        seed=args.seed,
        nights=args.nights,
        scale=args.scale,
        defects=args.defects,
        delta_night=args.delta_night,
        console=make_console(stderr=True),
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="write a synthetic programme's landing area (feeds.md)")
    p.add_argument("--out", required=True, help="output folder (gets landing/ and ground_truth/)")
    p.add_argument("--participants", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--nights", type=int, default=1, help="nightly deliveries (default 1)")
    p.add_argument("--scale", choices=["demo", "wgs"], default="demo")
    p.add_argument(
        "--defects",
        type=float,
        default=0.0,
        help="rate of planted specification breaches per row/file (default 0)",
    )
    p.add_argument(
        "--delta-night",
        type=float,
        default=0.0,
        help="add a last night bringing this share of the programme as new referrals "
        "(e.g. 0.01, for the scale benchmark's small-delta night)",
    )
    p.set_defaults(func=cmd_simulate)
