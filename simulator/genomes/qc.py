"""The per-sample QC JSON (`<platekey>.qc.json`, feeds.md keys in that order)."""

from __future__ import annotations

import hashlib
import math

import numpy as np

from simulator.genomes.samples import genetic_sex, rng_for
from simulator.model import Participant

QC_KEYS = (
    "platekey",
    "mean_coverage",
    "pct_bases_ge_15x",
    "contamination_fraction",
    "reported_sex",
    "inferred_sex",
    "insert_size_median",
    "reads_mapped_pct",
)


def qc_metrics(participant: Participant, platekey: str, sample_type: str, seed: int) -> dict:
    """The `<platekey>.qc.json` content for one sample (feeds.md keys, in that order).

    Values follow a 30x PCR-free Illumina WGS pipeline: germline ~35x, tumour ~80x, >95 % of
    bases at >=15x when coverage is adequate, contamination mostly ~0.1-0.5 % with a small
    failing tail, median insert ~470 bp. `inferred_sex` is `genetic_sex(participant)`, the
    sex the written chrX/chrY genotypes show, so it sometimes disagrees with `reported_sex`.
    """
    if sample_type not in ("germline", "tumour"):
        raise ValueError(f"sample_type must be 'germline' or 'tumour', got {sample_type!r}")
    stream = int.from_bytes(hashlib.sha256(platekey.encode()).digest()[:4], "big")
    rng = rng_for(seed, 30, stream)
    tumour = sample_type == "tumour"
    if tumour:
        coverage = rng.normal(80.0, 9.0)
    elif rng.random() < 0.02:  # an under-sequenced library, later topped up in practice
        coverage = rng.uniform(18.0, 26.0)
    else:
        coverage = rng.normal(35.0, 3.5)
    coverage = float(max(12.0, coverage))
    z = (coverage - 15.0) / (0.25 * coverage)
    pct_15x = 100.0 * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))) - rng.uniform(0.3, 1.2)
    if rng.random() < 0.015:
        contamination = rng.uniform(0.03, 0.08)
    else:
        contamination = float(np.clip(rng.lognormal(math.log(0.002), 0.8), 0.0001, 0.02))
    mapped = float(np.clip(100.0 - rng.lognormal(math.log(1.0), 0.5), 90.0, 99.95))
    return {
        "platekey": platekey,
        "mean_coverage": round(coverage, 2),
        "pct_bases_ge_15x": round(float(np.clip(pct_15x, 0.0, 100.0)), 2),
        "contamination_fraction": round(float(contamination), 4),
        "reported_sex": participant.sex,
        "inferred_sex": genetic_sex(participant),
        "insert_size_median": int(rng.normal(470.0, 35.0)),
        "reads_mapped_pct": round(mapped, 2),
    }
