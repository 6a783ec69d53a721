"""HES APC/OP/A&E activity for the simulated cohort, with the outcome signal built in.

Activity is a Poisson process per participant from the start of the HES extract (or birth)
to death or the last delivery. Rates depend on role and programme: affected rare-disease
children are admitted most, unaffected parents least, cancer patients heavily after
diagnosis. For a family whose exit questionnaire says solved, the proband's admission rate
after the result date is halved: that is the signal the programme's outcome question
(does a genomic diagnosis change care?) should find.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from simulator import catalogue as cat
from simulator.cohort import HES_START, FamilyInfo, HesRow, Programme, Streams

APC_DIAGS, OP_DIAGS, OPERTNS = 20, 12, 24
APC_HEADER = (
    ["NEWNHSNO", "SEX", "PROCODE", "EPIKEY", "ADMIDATE", "EPISTART", "EPIEND", "DISDATE",
     "EPIORDER", "ADMIMETH", "ADMISORC", "DISMETH", "DISDEST", "CLASSPAT", "MAINSPEF",
     "TRETSPEF"]
    + [f"DIAG_4_{i:02d}" for i in range(1, APC_DIAGS + 1)]
    + [f"OPERTN_4_{i:02d}" for i in range(1, OPERTNS + 1)]
)  # fmt: skip
OP_HEADER = (
    ["NEWNHSNO", "SEX", "PROCODE", "ATTENDKEY", "APPTDATE", "ATTENDED", "FIRSTATT",
     "MAINSPEF", "TRETSPEF"]
    + [f"DIAG_4_{i:02d}" for i in range(1, OP_DIAGS + 1)]
    + [f"OPERTN_4_{i:02d}" for i in range(1, OPERTNS + 1)]
)  # fmt: skip
AE_HEADER = ["NEWNHSNO", "SEX", "PROCODE", "AEKEY", "ARRIVALDATE", "AEARRIVALMODE",
             "AEATTENDDISP"] + [f"DIAG_{i:02d}" for i in range(1, 13)]  # fmt: skip
HEADERS = {"apc": APC_HEADER, "op": OP_HEADER, "ae": AE_HEADER}
KEY_FIELD = {"apc": "EPIKEY", "op": "ATTENDKEY", "ae": "AEKEY"}
DATE_FIELD = {"apc": "ADMIDATE", "op": "APPTDATE", "ae": "ARRIVALDATE"}
HES_SEX = {"male": "1", "female": "2", "unknown": "9"}
# Only the emergency codes domain.md lists (21-25, 2A-2D): the loaders accept exactly those.
EMERGENCY_ADMIMETH = ("21", "21", "21", "22", "23", "24", "25", "2D")
ELECTIVE_ADMIMETH = ("11", "11", "12", "13")
AFTER_RESULT_FACTOR = 0.5  # admissions of solved probands after their result


def _rates(fi: FamilyInfo, role: str, affected: bool, age: float, after_dx: bool):
    """Yearly rates (APC spells, OP appointments, A&E attendances)."""
    if fi.cancer:
        return (3.0, 9.0, 0.8) if after_dx else (0.2, 1.0, 0.3)
    if affected:
        base = (1.3, 5.0, 1.1) if age < 18 else (0.7, 3.5, 0.6)
        return base
    return (0.12, 0.8, 0.25)


def _poisson_dates(rng: random.Random, rate: float, lo: date, hi: date) -> list[date]:
    out: list[date] = []
    if rate <= 0 or hi <= lo:
        return out
    t = lo
    while True:
        t = t + timedelta(days=max(1, int(rng.expovariate(rate / 365.25))))
        if t >= hi:
            return out
        out.append(t)


def build_hes(streams: Streams, prog: Programme) -> None:
    """All HES rows per participant; each row knows the date from which it is deliverable."""
    rng = streams("hes")
    end = prog.nights[-1]
    keys = {"apc": 400_000_000_000, "op": 700_000_000_000, "ae": 900_000_000_000}
    rows: dict[str, list[HesRow]] = {"apc": [], "op": [], "ae": []}

    def next_key(kind: str) -> str:
        keys[kind] += rng.randint(1, 997)
        return str(keys[kind])

    for fi in prog.families:
        if fi.declined:
            continue
        dcodes = fi.disease.icd10 if fi.disease else fi.cancer.icd10 if fi.cancer else ()
        specs = (
            fi.disease.specialties
            if fi.disease
            else (cat.SPEC_MEDICAL_ONCOLOGY, cat.SPEC_CLINICAL_ONCOLOGY)
        )
        procs = fi.disease.opcs4 if fi.disease else fi.cancer.opcs4 if fi.cancer else ()
        trusts = cat.GMC_TRUSTS[fi.family.gmc_code]
        for m in fi.family.members:
            starts = {k: len(v) for k, v in rows.items()}
            death = prog.deaths.get(m.referral_id)
            lo = max(HES_START, m.date_of_birth)
            hi = min(end, death.dod + timedelta(days=1)) if death else end
            affected = m.affection_status == "affected"
            dx = fi.tumour.diagnosis_date if fi.tumour else None
            solved_after = (
                fi.result_date
                if m.relationship_to_proband == "proband" and fi.case_solved == "yes"
                else None
            )
            # Piecewise windows: split at diagnosis (cancer) and at the result (solved).
            cuts = sorted({lo, hi} | {c for c in (dx, solved_after) if c and lo < c < hi})
            base = {"nhs": m.nhs_number, "sex": HES_SEX[m.sex]}
            for a, b in zip(cuts, cuts[1:], strict=False):
                age = (a - m.date_of_birth).days / 365.25
                apc, op, ae = _rates(
                    fi, m.relationship_to_proband, affected, age, bool(dx and a >= dx)
                )
                if solved_after and a >= solved_after:
                    apc *= AFTER_RESULT_FACTOR
                    ae *= AFTER_RESULT_FACTOR
                for d in _poisson_dates(rng, apc, a, b):
                    rows["apc"].extend(
                        _spell(
                            rng, next_key, base, d, hi, fi, affected, dcodes, specs, procs, trusts
                        )
                    )
                for d in _poisson_dates(rng, op, a, b):
                    rows["op"].append(
                        _appointment(rng, next_key, base, d, affected, dcodes, specs, procs, trusts)
                    )
                for d in _poisson_dates(rng, ae, a, b):
                    rows["ae"].append(_attendance(rng, next_key, base, d, affected, dcodes, trusts))
            for kind in rows:
                for r in rows[kind][starts[kind] :]:
                    prog.hes_owner[r.key] = m.referral_id
    # Revisions: ~6 % of rows are corrected in a later re-delivery (newest wins).
    rrng = streams("hes-revisions")
    for kind, lst in rows.items():
        for r in lst:
            if rrng.random() < 0.06:
                r.revision = _revise(rrng, kind, r)
        lst.sort(key=lambda r: (r.event_date, r.key))
    prog.hes = rows


def _diag(rng: random.Random, affected: bool, dcodes: tuple[str, ...]) -> str:
    if affected and dcodes and rng.random() < 0.45:
        return rng.choice(dcodes)
    return rng.choice(cat.GENERAL_ICD10)


def _spell(
    rng,
    next_key,
    base,
    admi: date,
    hi: date,
    fi: FamilyInfo,
    affected: bool,
    dcodes,
    specs,
    procs,
    trusts,
) -> list[HesRow]:
    emergency = rng.random() < (0.45 if not fi.cancer else 0.25)
    if emergency:
        admimeth, classpat = rng.choice(EMERGENCY_ADMIMETH), "1"
        los = min(int(rng.expovariate(1 / 3.5)), 60)
    else:
        admimeth = rng.choice(ELECTIVE_ADMIMETH)
        classpat = "2" if rng.random() < 0.6 else "1"
        los = 0 if classpat == "2" else 1 + int(rng.expovariate(1 / 2.5))
    dis = admi + timedelta(days=los)
    if dis >= hi:
        dis = admi
    n_eps = 1 if los < 2 or rng.random() > 0.2 else rng.randint(2, 3)
    bounds = sorted({admi, dis} | {admi + timedelta(days=rng.randint(0, los))
                                   for _ in range(n_eps - 1)})  # fmt: skip
    if len(bounds) < n_eps + 1:
        n_eps = max(1, len(bounds) - 1)
    procode = (
        rng.choice(trusts)
        if rng.random() < 0.85
        else rng.choice(cat.GMC_TRUSTS[rng.choice(sorted(cat.GMC_TRUSTS))])
    )
    primary = _diag(rng, affected, dcodes)
    if fi.cancer and not emergency:
        primary = rng.choice(
            cat.CANCER_TREATMENT_ICD10 + (fi.tumour.icd10,)
            if fi.tumour
            else cat.CANCER_TREATMENT_ICD10
        )
    out = []
    for e in range(n_eps):
        start = bounds[e] if n_eps > 1 else admi
        stop = bounds[e + 1] if n_eps > 1 else dis
        spec = (cat.SPEC_GENERAL_MEDICINE if emergency and rng.random() < 0.4
                else rng.choice(specs))  # fmt: skip
        diags = [primary if e == 0 else _diag(rng, affected, dcodes)]
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            d = _diag(rng, affected, dcodes)
            if d not in diags:
                diags.append(d)
        ops: list[str] = []
        if (not emergency and rng.random() < 0.75) or rng.random() < 0.2:
            pool = procs + cat.GENERAL_OPCS4 if procs else cat.GENERAL_OPCS4
            ops.append(rng.choice(procs) if procs and rng.random() < 0.6 else rng.choice(pool))
        f = {
            "NEWNHSNO": base["nhs"], "SEX": base["sex"], "PROCODE": procode,
            "EPIKEY": next_key("apc"), "ADMIDATE": admi.isoformat(),
            "EPISTART": start.isoformat(), "EPIEND": stop.isoformat(),
            "DISDATE": dis.isoformat(), "EPIORDER": str(e + 1), "ADMIMETH": admimeth,
            "ADMISORC": "19", "DISMETH": "1" if e == n_eps - 1 else "8",
            "DISDEST": "19" if e == n_eps - 1 else "98", "CLASSPAT": classpat,
            "MAINSPEF": spec, "TRETSPEF": spec,
        }  # fmt: skip
        for i in range(APC_DIAGS):
            f[f"DIAG_4_{i + 1:02d}"] = cat.hes_icd10(diags[i]) if i < len(diags) else ""
        for i in range(OPERTNS):
            f[f"OPERTN_4_{i + 1:02d}"] = (cat.hes_opcs4(ops[i]) if i < len(ops)
                                          else "-" if i == 0 else "")  # fmt: skip
        out.append(HesRow(f["EPIKEY"], admi, dis, f))
    return out


def _appointment(
    rng, next_key, base, d: date, affected: bool, dcodes, specs, procs, trusts
) -> HesRow:
    r = rng.random()
    attended = "5" if r < 0.82 else "6" if r < 0.86 else "3" if r < 0.94 else rng.choice(["2", "4"])
    spec = (
        rng.choice(specs)
        if affected or rng.random() < 0.3
        else rng.choice(
            [cat.SPEC_GENERAL_MEDICINE, cat.SPEC_GENERAL_SURGERY, cat.SPEC_TRAUMA_ORTHO]
        )
    )
    diag = (
        rng.choice(dcodes) if affected and dcodes and rng.random() < 0.3 else (cat.OP_UNCODED_ICD10)
    )
    f = {
        "NEWNHSNO": base["nhs"], "SEX": base["sex"], "PROCODE": rng.choice(trusts),
        "ATTENDKEY": next_key("op"), "APPTDATE": d.isoformat(), "ATTENDED": attended,
        "FIRSTATT": rng.choice(["1", "2", "2", "2", "3", "4"]), "MAINSPEF": spec,
        "TRETSPEF": spec,
    }  # fmt: skip
    for i in range(OP_DIAGS):
        f[f"DIAG_4_{i + 1:02d}"] = cat.hes_icd10(diag) if i == 0 else ""
    op = ""
    if procs and attended in ("5", "6") and rng.random() < 0.15:
        op = cat.hes_opcs4(rng.choice(procs))
    for i in range(OPERTNS):
        f[f"OPERTN_4_{i + 1:02d}"] = (op or "-") if i == 0 else ""
    return HesRow(f["ATTENDKEY"], d, d, f)


def _attendance(rng, next_key, base, d: date, affected: bool, dcodes, trusts) -> HesRow:
    diag = _diag(rng, affected, dcodes)
    f = {
        "NEWNHSNO": base["nhs"], "SEX": base["sex"], "PROCODE": rng.choice(trusts),
        "AEKEY": next_key("ae"), "ARRIVALDATE": d.isoformat(),
        "AEARRIVALMODE": "1" if rng.random() < 0.3 else "2",
        "AEATTENDDISP": rng.choice(["01", "02", "02", "03", "03", "03", "04", "07"]),
    }  # fmt: skip
    for i in range(12):
        f[f"DIAG_{i + 1:02d}"] = cat.hes_icd10(diag) if i == 0 else ""
    return HesRow(f["AEKEY"], d, d, f)


def _revise(rng: random.Random, kind: str, r: HesRow) -> dict[str, str]:
    """A correction a later monthly delivery makes to a row (never the key or dates)."""
    if kind == "apc":
        if rng.random() < 0.5:
            return {"DIAG_4_01": cat.hes_icd10(rng.choice(cat.GENERAL_ICD10))}
        return {"TRETSPEF": cat.SPEC_GENERAL_MEDICINE, "MAINSPEF": cat.SPEC_GENERAL_MEDICINE}
    if kind == "op":
        return {"ATTENDED": "6" if r.fields["ATTENDED"] != "6" else "5"}
    return {"AEATTENDDISP": "02" if r.fields["AEATTENDDISP"] != "02" else "03"}


def deliveries(prog: Programme, kind: str) -> list[list[tuple[HesRow, dict[str, str]]]]:
    """Rows per night's HES delivery as (row, fields as delivered that night).

    Night 1 carries every row available before it (the backlog); each later night is a
    year-to-date re-delivery: every row of the night's calendar year so far, repeating
    keys already sent and applying revisions to rows first sent on an earlier night.
    """
    out = []
    first_sent: dict[str, int] = {}
    for n, night in enumerate(prog.nights):
        lst = []
        for r in prog.hes[kind]:
            if r.available >= night:
                continue
            if n > 0 and r.event_date < date(night.year, 1, 1):
                continue
            fields = r.fields
            if r.key in first_sent and first_sent[r.key] < n and r.revision:
                fields = {**r.fields, **r.revision}
            first_sent.setdefault(r.key, n)
            lst.append((r, fields))
        out.append(lst)
    return out
