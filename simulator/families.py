"""Hand-made families for tests and benchmarks that need a genome of a known shape (a trio,
a quartet, a singleton with given causal plans) rather than a whole simulated programme.

One factory for every such caller, so a change to `Participant` is made once. Members carry
no NHS number: only the VCF and QC writers use them, and those never need one.
"""

from __future__ import annotations

from datetime import date

from domain.genes import genes
from domain.panels import GREEN, PanelGene
from simulator.model import CausalPlan, Family, Participant


def member(
    n: int,
    relationship: str,
    sex: str,
    affection: str,
    *,
    family_id: str = "FAM0000001",
    programme: str = "rare_disease",
) -> Participant:
    """Participant number `n` (referral RR{n:08d}, germline platekey LP{3000000+n:07d})."""
    return Participant(
        referral_id=f"RR{n:08d}",
        gmc_code="EOE",
        nhs_number="",
        date_of_birth=date(1990, 1, 1),
        sex=sex,
        family_id=family_id,
        relationship_to_proband=relationship,
        affection_status=affection,
        programme=programme,
        disease_group="Neurology and neurodevelopmental disorders",
        specific_disease="Intellectual disability",
        referral_date=date(2020, 1, 1),
        germline_platekey=f"LP{3000000 + n:07d}-DNA_A01",
    )


def causal_plan(symbol: str, moi: str, segregation: str, impact: str) -> CausalPlan:
    """A causal variant to plant in a green panel gene (by HGNC symbol)."""
    g = genes()[symbol]
    return CausalPlan(g, PanelGene(symbol, f"HGNC:{g.ncbi_id}", GREEN, moi), segregation, impact)


def trio(family_id: str = "FAM0000001", *, first: int = 1, single: bool = False) -> Family:
    """An affected male proband with unaffected parents (members first, first+1, first+2);
    `single` keeps the proband alone."""
    members = [member(first, "proband", "male", "affected", family_id=family_id)]
    if not single:
        members += [
            member(first + 1, "mother", "female", "unaffected", family_id=family_id),
            member(first + 2, "father", "male", "unaffected", family_id=family_id),
        ]
    return Family(family_id, "EOE", "rare_disease", members)
