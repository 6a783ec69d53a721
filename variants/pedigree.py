"""A family as tiering sees it: the sequenced members, their relationship to the proband,
affection status and sex, and the VCF sample (platekey) of each."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    """One sequenced family member: the VCF sample (platekey) and the referral facts."""

    referral_id: str
    platekey: str
    relationship: str  # proband | mother | father | sibling | other
    affection: str  # affected | unaffected | unknown
    sex: str  # male | female | unknown


@dataclass(frozen=True)
class Pedigree:
    family_id: str
    specific_disease: str  # the proband's, selects the applied panel(s)
    members: tuple[Member, ...]

    @property
    def proband(self) -> Member:
        for m in self.members:
            if m.relationship == "proband":
                return m
        raise ValueError(f"family {self.family_id} has no sequenced proband")


def pedigree_from_rows(
    participants: Iterable[Mapping[str, str]], platekeys: Mapping[str, str], family_id: str
) -> Pedigree:
    """Build a family's pedigree from participants.csv rows and platekey -> referral_id.

    Only consented, sequenced members enter (a member without a germline VCF column cannot
    show segregation either way).
    """
    by_ref = {r["referral_id"]: r for r in participants if r["family_id"] == family_id}
    members = []
    for platekey, referral_id in platekeys.items():
        row = by_ref.get(referral_id)
        if row is None or row.get("consent_status", "consented") != "consented":
            continue
        members.append(
            Member(
                referral_id=referral_id,
                platekey=platekey,
                relationship=row["relationship_to_proband"],
                affection=row["affection_status"],
                sex=row["sex"],
            )
        )
    if not members:
        raise ValueError(f"family {family_id}: no participant matches the VCF's platekeys")
    proband_rows = [r for r in by_ref.values() if r["relationship_to_proband"] == "proband"]
    disease = proband_rows[0]["specific_disease"] if proband_rows else ""
    return Pedigree(family_id, disease, tuple(sorted(members, key=_member_order)))


def _member_order(m: Member) -> tuple[int, str]:
    order = {"proband": 0, "mother": 1, "father": 2, "sibling": 3}
    return order.get(m.relationship, 4), m.referral_id


def read_participants(path: str | os.PathLike) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
