"""The simulated programme's entities, shared by the cohort generator and the VCF writer.

These are the simulator's own records (they hold NHS numbers and dates of birth in clear,
as a GMC would); they never reach the warehouse except through the feed files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# PanelApp's mode-of-inheritance strings (as PanelApp publishes them).
MOI_MONOALLELIC = "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown"
MOI_BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"
MOI_XLINKED = "X-LINKED: hemizygous mutation in males, biallelic mutations in females"
MOI_BOTH = "BOTH monoallelic and biallelic, autosomal or pseudoautosomal"

# Segregation patterns a planted causal variant can follow (domain.md, tiering rules).
SEG_DE_NOVO = "de_novo"
SEG_INHERITED_DOMINANT = "inherited_dominant"
SEG_HOMOZYGOUS = "homozygous"
SEG_COMPOUND_HET = "compound_heterozygous"
SEG_XLINKED_HEMI = "x_linked_hemizygous"


@dataclass(frozen=True)
class Gene:
    """A GRCh38 gene from loaders/reference/grch38_genes.tsv."""

    symbol: str
    chrom: str
    start: int
    end: int
    ensembl_id: str
    ncbi_id: str


@dataclass(frozen=True)
class PanelGene:
    gene_symbol: str
    hgnc_id: str
    confidence_level: str  # "3" green, "2" amber, "1" red
    mode_of_inheritance: str


@dataclass
class Panel:
    id: int
    name: str
    version: str  # PanelApp "major.minor"
    relevant_disorders: list[str]
    genes: list[PanelGene]


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
