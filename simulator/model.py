"""The simulated programme's entities, shared by the cohort generator and the VCF writer.

These are the simulator's own records (they hold NHS numbers and dates of birth in clear,
as a GMC would); they never reach the warehouse except through the feed files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from domain.genes import Gene
from domain.panels import PanelGene


@dataclass
class Participant:
    referral_id: str
    gmc_code: str
    nhs_number: str
    date_of_birth: date
    sex: str  # male | female | unknown
    family_id: str
    relationship_to_proband: str  # proband | mother | father | sibling | other
    affection_status: str  # affected | unaffected | unknown
    programme: str  # rare_disease | cancer
    disease_group: str
    specific_disease: str
    referral_date: date
    consent_status: str = "consented"
    germline_platekey: str | None = None
    tumour_platekey: str | None = None


@dataclass
class CausalPlan:
    """What the cohort generator asks the VCF writer to plant in one family."""

    gene: Gene
    panel_gene: PanelGene | None  # None when the gene is not on the applied panel (Tier 3)
    segregation: str  # one of SEG_*
    impact: str  # "HIGH" | "MODERATE"


@dataclass
class PlantedVariant:
    """A planted variant as written to the VCF: the oracle for tiering tests."""

    family_id: str
    chrom: str
    pos: int
    ref: str
    alt: str
    gene_symbol: str
    consequence: str
    impact: str
    segregation: str
    mode_of_inheritance: str
    expected_tier: dict[str, int | None] = field(default_factory=dict)  # panel version -> tier


@dataclass
class Family:
    family_id: str
    gmc_code: str
    programme: str
    members: list[Participant]  # proband first
    causal: list[CausalPlan] = field(default_factory=list)

    @property
    def proband(self) -> Participant:
        return self.members[0]
