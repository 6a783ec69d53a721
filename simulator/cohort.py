"""The in-memory programme: families, panels, causal plans, results, deaths, withdrawals, HES.

Everything is drawn from named sub-streams of the seed (`Streams`) and iterated in sorted or
creation order, so the same arguments always build the same programme. The feed writer
(`simulate.py`) only serialises this model; the ground truth is computed from it too.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain import nhs
from domain.genes import genes
from domain.inheritance import (
    COMPOUND_HET,
    DE_NOVO,
    HOMOZYGOUS,
    INHERITED_DOMINANT,
    MOI_BIALLELIC,
    MOI_BOTH,
    MOI_MONOALLELIC,
    MOI_XLINKED,
    X_HEMIZYGOUS,
)
from domain.panels import Panel, PanelGene
from simulator import catalogue as cat
from simulator.genomes import genetic_sex
from simulator.model import CausalPlan, Family, Participant

PROGRAMME_START = date(2015, 3, 1)
FIRST_NIGHT_MONTH = (2025, 5)
HES_START = date(2012, 4, 1)  # the HES extract covers financial years from 2012-13
WELLS = [f"{r}{c:02d}" for r in "ABCDEFGH" for c in range(1, 13)]


class Streams:
    """Independent deterministic random streams, one per concern, all from one seed.

    Why: adding a draw in one concern (say HES) must not shift every later draw in another
    (say VCF seeds), or small changes would rewrite the whole landing area.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._cache: dict[str, random.Random] = {}

    def __call__(self, name: str) -> random.Random:
        if name not in self._cache:
            self._cache[name] = random.Random(f"gwh-sim:{self.seed}:{name}")
        return self._cache[name]

    def int_seed(self, name: str) -> int:
        """A stable 63-bit integer seed for a named sub-task (e.g. one family's VCF)."""
        h = hashlib.sha256(f"gwh-sim:{self.seed}:{name}".encode()).digest()
        return int.from_bytes(h[:8], "big") >> 1


def night_dates(nights: int) -> list[date]:
    """Nightly delivery dates: the first Tuesday of consecutive months from May 2025.

    Monthly spacing lets every night carry its own HES (`hes/<YYYY-MM>`) and mortality
    delivery, and gives sequencing and results time to move between nights.
    """
    out = []
    y, m = FIRST_NIGHT_MONTH
    for _ in range(nights):
        d = date(y, m, 1)
        d += timedelta(days=(1 - d.weekday()) % 7)
        out.append(d)
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def night_of(d: date, nights: list[date]) -> int | None:
    """Index of the first night strictly after date d (when an event is delivered), or None."""
    for i, n in enumerate(nights):
        if d < n:
            return i
    return None


def _rand_date(rng: random.Random, lo: date, hi: date) -> date:
    if hi <= lo:
        return lo
    return lo + timedelta(days=rng.randrange((hi - lo).days + 1))


def _add_years(d: date, years: float) -> date:
    return d + timedelta(days=int(years * 365.25))


@dataclass
class Phenotype:
    hpo_id: str
    observed: str
    recorded_date: date


@dataclass
class Tumour:
    tumour_id: str
    icd10: str
    diagnosis_date: date


@dataclass
class FamilyInfo:
    """Everything the feeds need about a family beyond model.Family."""

    family: Family
    disease: cat.RareDisease | None
    cancer: cat.CancerType | None
    structure: str  # singleton | duo | trio | quad | larger | cancer
    referral_night: int
    declined: bool = False
    seq_date: date | None = None
    seq_night: int | None = None
    result_date: date | None = None
    result_night: int | None = None
    case_solved: str = ""
    causal_gene: str = ""
    causal_variant: str = ""
    acmg: str = ""
    actionability: str = ""
    causal_class: str = ""  # green | amber | off_panel | "" (no plan)
    tumour: Tumour | None = None


@dataclass
class Death:
    dod: date
    dor: date
    causes: list[str]  # dotted ICD-10, underlying first
    night: int | None


@dataclass
class Withdrawal:
    night: int
    withdrawal_date: date
    option: str


@dataclass
class HesRow:
    """One HES row (APC episode, OP appointment or A&E attendance), HES field names."""

    key: str
    event_date: date  # ADMIDATE / APPTDATE / ARRIVALDATE
    available: date  # the row can be delivered on nights after this date
    fields: dict[str, str]
    revision: dict[str, str] | None = None  # fields changed in a later re-delivery


@dataclass
class Programme:
    seed: int
    nights: list[date]
    families: list[FamilyInfo]
    panels: dict[str, list[Panel]]  # disease name -> snapshot per night
    phenotypes: dict[str, list[Phenotype]] = field(default_factory=dict)
    deaths: dict[str, Death] = field(default_factory=dict)
    withdrawals: dict[str, Withdrawal] = field(default_factory=dict)
    hes: dict[str, list[HesRow]] = field(default_factory=dict)  # apc/op/ae
    hes_owner: dict[str, str] = field(default_factory=dict)  # HES key -> referral_id

    def participants(self) -> list[Participant]:
        return [m for f in self.families for m in f.family.members]

    def family_of(self) -> dict[str, FamilyInfo]:
        return {m.referral_id: f for f in self.families for m in f.family.members}


# ---------------------------------------------------------------------------------------
# Panels
# ---------------------------------------------------------------------------------------


def _initial_panels(streams: Streams) -> dict[str, Panel]:
    rng = streams("panels")
    refs = cat.panel_genes()
    out: dict[str, Panel] = {}
    for d in cat.RARE_DISEASES:
        pgs = []
        for i, ref in enumerate(refs[d.name]):
            level = "3" if i < d.n_green else "2" if i < d.n_green + d.n_amber else "1"
            pgs.append(PanelGene(ref.gene_symbol, ref.hgnc_id, level, ref.moi))
        version = f"{rng.randint(1, 3)}.{rng.randint(5, 60)}"
        out[d.name] = Panel(d.panel_id, d.name, version, [d.name, d.group], pgs)
    return out


def _bump(version: str) -> str:
    major, minor = version.split(".")
    return f"{major}.{int(minor) + 1}"


def _promote(panel: Panel, symbols: set[str]) -> Panel:
    genes_ = [
        PanelGene(g.gene_symbol, g.hgnc_id, "3", g.mode_of_inheritance)
        if g.gene_symbol in symbols
        else g
        for g in panel.genes
    ]
    return Panel(panel.id, panel.name, _bump(panel.version), list(panel.relevant_disorders), genes_)


def build_panel_history(
    streams: Streams, initial: dict[str, Panel], n_nights: int, wanted: dict[str, set[str]]
) -> dict[str, list[Panel]]:
    """Snapshot per night. Later nights promote amber genes (a new minor version).

    `wanted` holds amber genes carrying planted variants: most get promoted on some later
    night, so re-tiering against the new panel version finds the diagnosis.
    """
    rng = streams("panel-promotions")
    hist = {name: [p] for name, p in initial.items()}
    schedule: dict[tuple[str, int], set[str]] = {}
    if n_nights > 1:
        for name in sorted(wanted):
            for sym in sorted(wanted[name]):
                if rng.random() < 0.7:
                    schedule.setdefault((name, rng.randint(1, n_nights - 1)), set()).add(sym)
    for night in range(1, n_nights):
        promoted_any = False
        for name in sorted(hist):
            cur = hist[name][-1]
            ambers = [g.gene_symbol for g in cur.genes if g.confidence_level == "2"]
            pick = set(schedule.get((name, night), set())) & set(ambers)
            if ambers and rng.random() < 0.15:
                pick.add(rng.choice(ambers))
            if pick:
                hist[name].append(_promote(cur, pick))
                promoted_any = True
            else:
                hist[name].append(cur)
        if not promoted_any:  # every later night publishes at least one new version
            for name in sorted(hist):
                cur = hist[name][-1]
                ambers = [g.gene_symbol for g in cur.genes if g.confidence_level == "2"]
                if ambers:
                    hist[name][-1] = _promote(cur, {ambers[0]})
                    break
    return hist


# ---------------------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------------------

STRUCTURES = (("trio", 0.58), ("singleton", 0.15), ("duo", 0.12), ("quad", 0.11),
              ("larger", 0.04))  # fmt: skip


class _Ids:
    """Unique identifiers: referral ids, family ids, NHS numbers, platekeys, HES keys."""

    def __init__(self, streams: Streams) -> None:
        self.rng = streams("identifiers")
        self.nhs_seen: set[str] = set()
        self.rr = 20_000_000 + self.rng.randrange(1_000_000)
        self.fam = 1_000_000 + self.rng.randrange(100_000)
        self.lp = 3_000_000 + self.rng.randrange(100_000)

    def referral(self) -> str:
        self.rr += self.rng.randint(1, 9)
        return f"RR{self.rr:08d}"

    def family(self) -> str:
        self.fam += self.rng.randint(1, 5)
        return f"FAM{self.fam:07d}"

    def nhs_number(self) -> str:
        while True:
            n = nhs.random_test_number(self.rng)
            if n not in self.nhs_seen:
                self.nhs_seen.add(n)
                return n

    def platekey(self) -> str:
        self.lp += self.rng.randint(1, 40)
        return f"LP{self.lp:07d}-DNA_{self.rng.choice(WELLS)}"


def _weighted(rng: random.Random, items: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


def _referral_date(rng: random.Random, night: int, nights: list[date]) -> date:
    if night == 0:
        return _rand_date(rng, PROGRAMME_START, nights[0] - timedelta(days=2))
    return _rand_date(rng, nights[night - 1], nights[night] - timedelta(days=1))


def _referral_night(rng: random.Random, n_nights: int, delta_night: float = 0.0) -> int:
    """Night 1 carries the backlog; each later night brings ~4 % new referrals.

    With `delta_night`, the last of the nights is an extra one that brings that share of
    the programme as new referrals (a benchmark's small-delta night); the draw is made only
    then, so a programme without it is the same for the same seed.
    """
    if delta_night:
        if rng.random() < delta_night:
            return n_nights - 1
        n_nights -= 1
    if n_nights == 1 or rng.random() > 0.04 * (n_nights - 1):
        return 0
    return rng.randint(1, n_nights - 1)


def build_families(
    streams: Streams, n_participants: int, nights: list[date], delta_night: float = 0.0
) -> list[FamilyInfo]:
    rng = streams("families")
    ids = _Ids(streams)
    gmcs = sorted(cat.GMC_WEIGHTS)
    weights = [cat.GMC_WEIGHTS[g] for g in gmcs]
    out: list[FamilyInfo] = []
    made = 0
    while made < n_participants:
        left = n_participants - made
        gmc = rng.choices(gmcs, weights=weights)[0]
        night = _referral_night(rng, len(nights), delta_night)
        ref_date = _referral_date(rng, night, nights)
        if rng.random() < 0.4 or left == 1:  # ~20 % of participants (singletons)
            fi = _cancer_family(rng, ids, gmc, ref_date, night)
        else:
            structure = _weighted(rng, list(STRUCTURES))
            size = {"singleton": 1, "duo": 2, "trio": 3, "quad": 4, "larger": 5}[structure]
            if size > left:
                structure, size = "singleton", 1
            fi = _rare_family(rng, ids, gmc, ref_date, night, structure)
        out.append(fi)
        made += len(fi.family.members)
    return out


def _person(
    ids: _Ids,
    gmc: str,
    fam_id: str,
    dob: date,
    sex: str,
    role: str,
    affected: str,
    programme: str,
    group: str,
    disease: str,
    ref_date: date,
) -> Participant:
    return Participant(
        referral_id=ids.referral(), gmc_code=gmc, nhs_number=ids.nhs_number(),
        date_of_birth=dob, sex=sex, family_id=fam_id, relationship_to_proband=role,
        affection_status=affected, programme=programme, disease_group=group,
        specific_disease=disease, referral_date=ref_date,
    )  # fmt: skip


def _rare_family(
    rng: random.Random, ids: _Ids, gmc: str, ref_date: date, night: int, structure: str
) -> FamilyInfo:
    disease = rng.choice(cat.RARE_DISEASES)
    fam_id = ids.family()
    child = rng.random() < disease.child_onset
    age = rng.uniform(0.2, 17.5) if child else rng.uniform(18, 62)
    p_dob = ref_date - timedelta(days=int(age * 365.25))
    r = rng.random()
    p_sex = "male" if r < 0.55 else "female" if r < 0.995 else "unknown"
    mk = lambda dob, sex, role, aff: _person(  # noqa: E731
        ids, gmc, fam_id, dob, sex, role, aff, "rare_disease", disease.group, disease.name, ref_date
    )
    members = [mk(p_dob, p_sex, "proband", "affected")]
    mother_dob = p_dob - timedelta(days=int(rng.uniform(19, 42) * 365.25))
    father_dob = p_dob - timedelta(days=int(rng.uniform(20, 47) * 365.25))
    if structure in ("trio", "quad", "larger"):
        members.append(mk(mother_dob, "female", "mother", "unaffected"))
        members.append(mk(father_dob, "male", "father", "unaffected"))
    elif structure == "duo":
        if rng.random() < 0.7:
            members.append(mk(mother_dob, "female", "mother", "unaffected"))
        else:
            members.append(mk(father_dob, "male", "father", "unaffected"))
    for _ in range({"quad": 1, "larger": 2}.get(structure, 0)):
        sib_dob = p_dob + timedelta(days=rng.choice([-1, 1]) * int(rng.uniform(1, 8) * 365.25))
        sib_dob = min(sib_dob, ref_date - timedelta(days=30))
        sex = rng.choice(["male", "female"])
        members.append(
            mk(sib_dob, sex, "sibling", "affected" if rng.random() < 0.35 else "unaffected")
        )
    fam = Family(fam_id, gmc, "rare_disease", members)
    fi = FamilyInfo(fam, disease, None, structure, night)
    fi.declined = rng.random() < 0.02
    if fi.declined:
        for m in members:
            m.consent_status = "declined"
    return fi


def _cancer_family(
    rng: random.Random, ids: _Ids, gmc: str, ref_date: date, night: int
) -> FamilyInfo:
    cancer = rng.choice(cat.CANCER_TYPES)
    fam_id = ids.family()
    sex = "female" if rng.random() < cancer.female_share else "male"
    dob = ref_date - timedelta(days=int(rng.uniform(32, 86) * 365.25))
    p = _person(
        ids,
        gmc,
        fam_id,
        dob,
        sex,
        "proband",
        "affected",
        "cancer",
        cancer.name,
        cancer.name,
        ref_date,
    )
    fam = Family(fam_id, gmc, "cancer", [p])
    fi = FamilyInfo(fam, None, cancer, "cancer", night)
    diag = ref_date - timedelta(days=rng.randint(5, 120))
    fi.tumour = Tumour(f"T{ids.rng.randrange(10**7):07d}", rng.choice(cancer.icd10), diag)
    fi.declined = rng.random() < 0.02
    if fi.declined:
        p.consent_status = "declined"
    return fi


# ---------------------------------------------------------------------------------------
# Sequencing, causal plans, results
# ---------------------------------------------------------------------------------------


def assign_sequencing(streams: Streams, fams: list[FamilyInfo], nights: list[date]) -> None:
    """Platekeys, sequencing date (3-10 months after referral) and the delivering night."""
    rng = streams("sequencing")
    ids = _Ids(streams)
    ids.rng = streams("platekeys")
    for fi in fams:
        if fi.declined:
            continue
        seq = fi.family.proband.referral_date + timedelta(days=rng.randint(90, 300))
        fi.seq_date = seq
        fi.seq_night = night_of(seq, nights)
        for m in fi.family.members:
            m.germline_platekey = ids.platekey()
        if fi.cancer:
            fi.family.proband.tumour_platekey = ids.platekey()


def _segregations(moi: str, fi: FamilyInfo, male_proband: bool) -> list[str]:
    """Segregation patterns this family can show for a gene with this MOI."""
    roles = {m.relationship_to_proband for m in fi.family.members}
    both_parents = {"mother", "father"} <= roles
    any_parent = bool({"mother", "father"} & roles)
    affected_sib = any(m.relationship_to_proband == "sibling" and m.affection_status ==
                       "affected" for m in fi.family.members)  # fmt: skip
    mono, bi = [], []
    if both_parents and not affected_sib:
        mono.append(DE_NOVO)
    if any_parent:
        mono.append(INHERITED_DOMINANT)
    bi.append(HOMOZYGOUS)
    if both_parents:
        bi.append(COMPOUND_HET)
    if moi == MOI_MONOALLELIC:
        return mono
    if moi == MOI_BIALLELIC:
        return bi
    if moi == MOI_BOTH:
        return mono + bi
    if moi == MOI_XLINKED:
        return [X_HEMIZYGOUS] if male_proband and "father" not in _affected_roles(fi) else []
    return []


def _affected_roles(fi: FamilyInfo) -> set[str]:
    return {m.relationship_to_proband for m in fi.family.members
            if m.affection_status == "affected"}  # fmt: skip


def plan_causal(streams: Streams, fams: list[FamilyInfo], panels: dict[str, Panel]) -> None:
    """Plant a causal variant in ~28 % of sequenced rare-disease probands.

    Green genes (expected Tier 1/2) ~70 %, amber genes (Tier 3 until promoted) ~18 %,
    off-panel genes from other diseases' panels (Tier 3) ~12 %.
    """
    rng = streams("causal")
    table = genes()
    refs = cat.panel_genes()
    for fi in fams:
        if fi.disease is None or fi.declined or rng.random() >= 0.28:
            continue
        panel = panels[fi.disease.name]
        male = genetic_sex(fi.family.proband) == "male"
        r = rng.random()
        klass = "green" if r < 0.70 else "amber" if r < 0.88 else "off_panel"
        if klass == "off_panel":
            on = {g.gene_symbol for g in panel.genes}
            cands = sorted({(x.gene_symbol, x.moi) for d, lst in refs.items()
                            if d != fi.disease.name for x in lst
                            if x.gene_symbol not in on})  # fmt: skip
            options = [(sym, moi, None) for sym, moi in cands]
        else:
            level = "3" if klass == "green" else "2"
            options = [(g.gene_symbol, g.mode_of_inheritance, g) for g in panel.genes
                       if g.confidence_level == level]  # fmt: skip
        rng.shuffle(options)
        for sym, moi, pg in options:
            segs = _segregations(moi, fi, male)
            if not segs:
                continue
            seg = rng.choice(segs)
            if seg == INHERITED_DOMINANT:
                parents = [m for m in fi.family.members
                           if m.relationship_to_proband in ("mother", "father")]  # fmt: skip
                rng.choice(parents).affection_status = "affected"
            impact = "HIGH" if rng.random() < 0.55 else "MODERATE"
            fi.family.causal = [CausalPlan(table[sym], pg, seg, impact)]
            fi.causal_class = klass
            break


def assign_results(
    streams: Streams,
    fams: list[FamilyInfo],
    nights: list[date],
    planted_first: dict[str, tuple[str, str, str]],
) -> None:
    """Exit questionnaires: result 2-14 months after sequencing, delivered on a night.

    `planted_first` maps family_id -> (gene, chr:pos:ref:alt, impact) of the first planted
    variant actually written to the family's VCF.
    """
    rng = streams("results")
    for fi in fams:
        if fi.disease is None or fi.seq_date is None or fi.seq_night is None:
            continue
        rd = fi.seq_date + timedelta(days=rng.randint(60, 420))
        night = night_of(rd, nights)
        if night is None:
            continue
        fi.result_date, fi.result_night = rd, max(night, fi.seq_night)
        planted = planted_first.get(fi.family.family_id)
        if planted and fi.causal_class == "green" and rng.random() < 0.95:
            fi.case_solved = "yes" if rng.random() < 0.9 else "partially"
            fi.causal_gene, fi.causal_variant = planted[0], planted[1]
            fi.acmg = "pathogenic" if planted[2] == "HIGH" else "likely_pathogenic"
            fi.actionability = rng.choice(["yes", "yes", "no", "unknown"])
        elif rng.random() < 0.05:
            # Solved by other means (a CNV or repeat expansion outside the small-variant VCF).
            fi.case_solved = "yes"
            gs = [g for g in fi.family.causal] or []
            fi.causal_gene = gs[0].gene.symbol if gs else rng.choice(fi.disease.genes)
            fi.acmg = "pathogenic"
            fi.actionability = rng.choice(["yes", "no"])
        else:
            fi.case_solved = rng.choices(["no", "unknown", "partially"], [0.85, 0.1, 0.05])[0]
            fi.actionability = "no" if fi.case_solved == "no" else "unknown"
            if fi.case_solved == "partially" and planted:
                fi.causal_gene, fi.causal_variant = planted[0], planted[1]
                fi.acmg = "vus"


# ---------------------------------------------------------------------------------------
# Phenotypes, deaths, withdrawals
# ---------------------------------------------------------------------------------------


def build_phenotypes(streams: Streams, fams: list[FamilyInfo]) -> dict[str, list[Phenotype]]:
    """3-12 HPO terms per affected rare-disease participant (a few recorded as absent)."""
    rng = streams("phenotypes")
    pool = cat.disease_phenotypes()
    out: dict[str, list[Phenotype]] = {}
    for fi in fams:
        if fi.disease is None:
            continue
        terms = pool[fi.disease.name]
        for m in fi.family.members:
            if m.affection_status != "affected":
                continue
            k = min(len(terms), rng.randint(3, 12))
            head = terms[: max(3, len(terms) // 3)]
            chosen = {rng.choice(head)[0]}
            chosen.update(t for t, _ in rng.sample(terms, k))
            rows = []
            for hid in sorted(chosen):
                obs = "no" if rng.random() < 0.12 else "yes"
                # Recorded at the clinical assessment leading to referral: on or before the
                # referral date (so never after the delivery that carries it), never before birth.
                back = timedelta(days=rng.randint(0, 20))
                recorded = max(m.date_of_birth, m.referral_date - back)
                rows.append(Phenotype(hid, obs, recorded))
            out[m.referral_id] = rows
    return out


def build_deaths(streams: Streams, fams: list[FamilyInfo], nights: list[date]) -> dict[str, Death]:
    rng = streams("deaths")
    out: dict[str, Death] = {}
    end = nights[-1] - timedelta(days=1)
    for fi in fams:
        if fi.declined:
            continue
        for m in fi.family.members:
            p = 0.15 if fi.cancer else 0.04 if m.affection_status == "affected" else 0.01
            if rng.random() >= p:
                continue
            dod = _rand_date(rng, m.referral_date + timedelta(days=60), end)
            if dod >= end:
                continue
            dor = dod + timedelta(days=rng.randint(1, 12))
            if fi.cancer:
                underlying = fi.tumour.icd10 if fi.tumour else fi.cancer.icd10[0]
                causes = [underlying, rng.choice(["J18.9", "C79.5", "C77.9", "R53"])]
            else:
                assert fi.disease is not None
                underlying = rng.choice(fi.disease.icd10 + ("J18.9", "I21.9", "C34.9"))
                causes = [underlying, rng.choice(["J18.9", "I50.9", "R09.2"])]
            out[m.referral_id] = Death(dod, dor, causes, night_of(dor, nights))
    return out


def build_withdrawals(
    streams: Streams, fams: list[FamilyInfo], nights: list[date], deaths: dict[str, Death]
) -> dict[str, Withdrawal]:
    """~1.5 % of referred participants withdraw on each later night (or night 1 if K=1)."""
    rng = streams("withdrawals")
    out: dict[str, Withdrawal] = {}
    delivery_nights = list(range(1, len(nights))) or [0]
    for fi in fams:
        if fi.declined:
            continue
        for m in fi.family.members:
            if m.referral_id in deaths:
                continue
            for n in delivery_nights:
                if fi.referral_night < n or (n == 0 and len(nights) == 1):
                    if rng.random() < 0.015:
                        lo = max(m.referral_date, nights[n - 1] if n else m.referral_date)
                        wd = _rand_date(rng, lo, nights[n] - timedelta(days=1))
                        opt = "no_further_use" if rng.random() < 0.5 else "no_further_contact"
                        out[m.referral_id] = Withdrawal(n, wd, opt)
                        break
    return out
