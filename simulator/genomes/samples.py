"""Who a genome file holds and what sex their chromosomes show.

Also the seeded random streams every part of a genome draws from: one independent
generator per (seed, stream), so adding a stream never shifts another and the same arguments
give byte-identical files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from simulator.genomes import background as bg
from simulator.model import Family, Participant

#: Sex-chromosome discordance rate for participants whose genetic sex may differ from the
#: reported sex (QC sees a few per thousand: registration errors, sex-chromosome
#: aneuploidy, sample swaps).
SEX_DISCORDANCE = 0.004


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator per (seed, stream): adding a stream never shifts another."""
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFFFFFFFFFF, *stream]))


def stable_uniform(text: str) -> float:
    """A uniform [0, 1) number from text, stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2.0**64


def genetic_sex(participant: Participant) -> str:
    """The sex the simulated genome shows ('male'/'female') - what QC infers from chrX.

    Parents and rare-disease probands have their reported sex (the inheritance model and
    X-linked plans rely on it); other participants disagree with the reported sex at
    SEX_DISCORDANCE, and `unknown` reported sex resolves either way. Keyed on referral_id,
    so the VCF writer and qc_metrics agree whatever seeds they are given.
    """
    u = stable_uniform(f"genetic-sex|{participant.referral_id}")
    reported = participant.sex
    role = participant.relationship_to_proband
    if reported not in ("male", "female"):
        if role == "mother":
            return "female"
        if role == "father":
            return "male"
        return "male" if u < 0.5 else "female"
    fixed = role in ("mother", "father") or (
        role == "proband" and participant.programme == "rare_disease"
    )
    if not fixed and u < SEX_DISCORDANCE:
        return "female" if reported == "male" else "male"
    return reported


def sequenced_members(family: Family) -> list[Participant]:
    return [m for m in family.members if m.germline_platekey]


def sample_specs(members: Sequence[Participant]) -> list[bg.SampleSpec]:
    """Inheritance links among the sequenced members (children: proband and siblings)."""
    mother = next((i for i, m in enumerate(members) if m.relationship_to_proband == "mother"), None)
    father = next((i for i, m in enumerate(members) if m.relationship_to_proband == "father"), None)
    specs = []
    for m in members:
        child = m.relationship_to_proband in ("proband", "sibling")
        specs.append(
            bg.SampleSpec(
                male=genetic_sex(m) == "male",
                mother=mother if child else None,
                father=father if child else None,
            )
        )
    return specs
