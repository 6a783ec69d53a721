"""`simulate()`: write a programme's landing area (feeds.md) and its ground truth beside it.

Determinism: every random draw comes from a named sub-stream of the seed, iteration is in
creation or sorted order, no wall-clock value is written, and the VCF writer gets a seed per
file; so the same arguments give a byte-identical landing area.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

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
from domain.panels import Panel
from simulator import catalogue as cat
from simulator import cohort as co
from simulator import genomes as vcf
from simulator import hes as hes_mod
from simulator.defects import (
    DQ_DEFECT_COLS,
    DefectPlanter,
    DqDefectPlanter,
    truncate_bgzf,
)
from simulator.model import PlantedVariant

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
PHENOTYPE_COLS = ["referral_id", "hpo_id", "observed", "recorded_date"]
TUMOUR_COLS = [
    "referral_id",
    "tumour_id",
    "tumour_icd10",
    "diagnosis_date",
    "tumour_sample_platekey",
    "germline_sample_platekey",
]
EXIT_COLS = [
    "family_id",
    "referral_id",
    "result_date",
    "case_solved",
    "causal_gene",
    "causal_variant",
    "acmg_classification",
    "actionability",
]
MANIFEST_COLS = [
    "platekey",
    "referral_id",
    "family_id",
    "sample_type",
    "file_name",
    "file_type",
    "genome_build",
    "sha256",
]
WITHDRAWAL_COLS = ["referral_id", "nhs_number", "withdrawal_date", "withdrawal_option"]
DEATH_COLS = ["NEWNHSNO", "DOD", "DOR", "CAUSE_OF_DEATH"] + [
    f"CAUSE_OF_DEATH_{i}" for i in range(1, 16)]  # fmt: skip
PLANTED_COLS = [
    "family_id",
    "proband_referral_id",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene_symbol",
    "consequence",
    "impact",
    "segregation",
    "mode_of_inheritance",
    "panel_id",
    "panel_name",
    "panel_version",
    "expected_tier",
]
DEFECT_COLS = ["defect_id", "kind", "feed", "path", "line", "expected_reason", "detail"]


@dataclass
class SimulationSummary:
    """What was generated: the figures the end-of-run summary prints."""

    out: Path
    landing: Path
    ground_truth: Path
    nights: list[date]
    participants: int
    families_by_structure: dict[str, int]
    genomes: int
    vcf_files: int
    hes_rows: dict[str, int]
    deaths: int
    withdrawals: dict[str, int]
    planted_variants: int
    defects: dict[str, int] = field(default_factory=dict)
    dq_defects: dict[str, int] = field(default_factory=dict)  # ground_truth/dq_defects.csv


# ---------------------------------------------------------------------------------------
# Tiering oracle (domain.md), written independently of any loader code
# ---------------------------------------------------------------------------------------

_SEG_CLASS = {DE_NOVO: "mono", INHERITED_DOMINANT: "mono", HOMOZYGOUS: "bi",
              COMPOUND_HET: "bi", X_HEMIZYGOUS: "xl"}  # fmt: skip
_MOI_CLASSES = {MOI_MONOALLELIC: {"mono"}, MOI_BIALLELIC: {"bi"}, MOI_BOTH: {"mono", "bi"},
                MOI_XLINKED: {"xl"}}  # fmt: skip


def expected_tier(pv: PlantedVariant, panel: Panel) -> int | None:
    """Tier of a planted (rare, PASS, segregating) variant under one panel version.

    Tier 1: HIGH impact, or de novo MODERATE, in a green gene whose MOI matches the
    segregation; Tier 2: MODERATE in such a gene; Tier 3: otherwise (still rare, damaging
    and segregating). None if the impact is not HIGH/MODERATE (never planted).
    """
    if pv.impact not in ("HIGH", "MODERATE"):
        return None
    seg = _SEG_CLASS[pv.segregation]
    pg = panel.gene(pv.gene_symbol)
    if pg and pg.confidence_level == "3" and seg in _MOI_CLASSES.get(pg.mode_of_inheritance, set()):
        if pv.impact == "HIGH" or pv.segregation == DE_NOVO:
            return 1
        return 2
    return 3


# ---------------------------------------------------------------------------------------
# Writing helpers
# ---------------------------------------------------------------------------------------


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _pipe_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    lines = ["|".join(header)] + ["|".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Writer:
    def __init__(
        self, landing: Path, planter: DefectPlanter, dq: DqDefectPlanter | None = None
    ) -> None:
        self.landing = landing
        self.planter = planter
        self.dq = dq or DqDefectPlanter(planter.rng, 0.0)

    def table(
        self,
        folder: Path,
        name: str,
        feed: str,
        header: list[str],
        rows: list[list[str]],
        pipe: bool = False,
    ) -> int:
        rel = (folder / name).relative_to(self.landing).as_posix()
        rows = self.planter.rows(feed, rel, header, rows)
        data = _pipe_bytes(header, rows) if pipe else _csv_bytes(header, rows)
        data = self.planter.file_not_utf8(feed, rel, data)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return len(rows)

    def finish(self, folder: Path, feed: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        rel = folder.relative_to(self.landing).as_posix()
        if not self.planter.folder_incomplete(feed, rel):
            (folder / "_SUCCESS").write_bytes(b"")


# ---------------------------------------------------------------------------------------
# simulate()
# ---------------------------------------------------------------------------------------


def simulate(
    out: Path,
    participants: int,
    seed: int,
    nights: int = 1,
    scale: str = "demo",
    defects: float = 0.0,
    progress: bool = True,
    console: Console | None = None,
    delta_night: float = 0.0,
) -> SimulationSummary:
    """Generate the programme into out/landing and out/ground_truth (both replaced).

    `delta_night` (a share of the programme, e.g. 0.01) adds one night after `nights` whose
    new referrals are that share: the small nightly delta a running programme sees, for the
    scale benchmark to measure what a night costs once the backlog is in.
    """
    if participants < 1:
        raise ValueError("participants must be at least 1")
    if nights < 1:
        raise ValueError("nights must be at least 1")
    if scale not in vcf.SCALES:
        raise ValueError(f"scale must be one of {vcf.SCALES}")
    if not 0.0 <= defects < 1.0:
        raise ValueError("defects must be a rate in [0, 1)")
    if not 0.0 <= delta_night < 1.0:
        raise ValueError("delta_night must be a share in [0, 1)")
    out = Path(out)
    landing, truth = out / "landing", out / "ground_truth"
    for d in (landing, truth):
        if d.exists():
            shutil.rmtree(d)
    landing.mkdir(parents=True)
    truth.mkdir(parents=True)
    console = console or Console(stderr=True)

    streams = co.Streams(seed)
    night_list = co.night_dates(nights + (1 if delta_night else 0))
    fams = co.build_families(streams, participants, night_list, delta_night)
    co.assign_sequencing(streams, fams, night_list)
    initial = co._initial_panels(streams)
    co.plan_causal(streams, fams, initial)
    wanted: dict[str, set[str]] = {}
    for fi in fams:
        if fi.causal_class == "amber" and fi.disease:
            wanted.setdefault(fi.disease.name, set()).update(
                p.gene.symbol for p in fi.family.causal
            )
    panels = co.build_panel_history(streams, initial, len(night_list), wanted)
    prog = co.Programme(seed, night_list, fams, panels)
    prog.phenotypes = co.build_phenotypes(streams, fams)
    prog.deaths = co.build_deaths(streams, fams, night_list)
    prog.withdrawals = co.build_withdrawals(streams, fams, night_list, prog.deaths)
    planter = DefectPlanter(streams("defects"), defects)
    writer = _Writer(landing, planter, DqDefectPlanter(streams("dq-defects"), defects))

    seq_fams = [fi for fi in fams if fi.seq_night is not None]
    n_vcfs = sum(2 if fi.cancer else 1 for fi in seq_fams)
    planted: dict[str, list[PlantedVariant]] = {}
    summary_hes: dict[str, int] = {}
    cols = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn()]  # fmt: skip
    with Progress(*cols, console=console, disable=not progress, transient=False) as bar:
        t_vcf = bar.add_task("genomes (VCF + QC)", total=n_vcfs)
        for n, night in enumerate(night_list):
            folder = landing / "sequencing" / night.isoformat()
            todo = [fi for fi in seq_fams if fi.seq_night == n]
            if not todo:
                continue
            manifest: list[list[str]] = []
            for fi in todo:
                planted[fi.family.family_id] = _write_genomes(
                    streams, writer, folder, fi, scale, manifest
                )
                bar.advance(t_vcf, 2 if fi.cancer else 1)
            (folder / "manifest.csv").write_bytes(_csv_bytes(MANIFEST_COLS, manifest))
            writer.finish(folder, "sequencing")

        first = {}
        for fid, pvs in planted.items():
            if pvs:
                p = pvs[0]
                first[fid] = (p.gene_symbol, f"{p.chrom}:{p.pos}:{p.ref}:{p.alt}", p.impact)
        co.assign_results(streams, fams, night_list, first)
        t_hes = bar.add_task("HES, deaths, referrals, results", total=len(night_list))
        hes_mod.build_hes(streams, prog)
        hes_deliveries = {k: hes_mod.deliveries(prog, k) for k in ("apc", "op", "ae")}
        for n, night in enumerate(night_list):
            _write_night_tables(prog, writer, n, night, hes_deliveries, summary_hes)
            bar.advance(t_hes)

    _write_ground_truth(prog, truth, planted, hes_deliveries, planter)
    dq_rows = [[str(i + 1), d.kind, d.feed, d.path, d.key, d.expectation, d.severity, d.detail]
               for i, d in enumerate(writer.dq.records)]  # fmt: skip
    (truth / "dq_defects.csv").write_bytes(_csv_bytes(DQ_DEFECT_COLS, dq_rows))
    summary = _summary(prog, out, landing, truth, planted, summary_hes, planter, n_vcfs)
    summary.dq_defects = dict(sorted(Counter(d.kind for d in writer.dq.records).items()))
    if progress:
        print_summary(summary, console)
    return summary


def _write_genomes(
    streams: co.Streams,
    writer: _Writer,
    folder: Path,
    fi: co.FamilyInfo,
    scale: str,
    manifest: list[list[str]],
) -> list[PlantedVariant]:
    table = genes()
    fam = fi.family
    p = fam.proband
    folder.mkdir(parents=True, exist_ok=True)
    if fi.disease:
        panel_genes = [table[s] for s in fi.disease.genes]
        vcf_name = f"{fam.family_id}.vcf.gz"
    else:
        panel_genes = [table[s] for s in cat.CANCER_GERMLINE_GENES]
        vcf_name = f"{p.germline_platekey}.germline.vcf.gz"
    seed = streams.int_seed(f"vcf:{fam.family_id}")
    pvs = vcf.write_germline_vcf(folder / vcf_name, fam, panel_genes, scale, seed)
    files = [(p.germline_platekey, p.referral_id, "germline", vcf_name)]
    if fi.cancer and p.tumour_platekey:
        som = f"{p.tumour_platekey}.somatic.vcf.gz"
        vcf.write_somatic_vcf(folder / som, p, scale, streams.int_seed(f"somatic:{p.referral_id}"))
        files.append((p.tumour_platekey, p.referral_id, "tumour", som))
    for platekey, rid, stype, name in files:
        path = folder / name
        rel = path.relative_to(writer.landing).as_posix()
        breach = writer.planter.vcf_breach(rel)
        if breach == "truncate":
            truncate_bgzf(path, writer.planter.rng)
        sha = _sha256(path)
        if breach == "checksum":
            sha = hashlib.sha256(sha.encode()).hexdigest()
        manifest.append([platekey or "", rid, fam.family_id, stype, name, "vcf", "GRCh38", sha])
    samples = [(m, m.germline_platekey, "germline") for m in fam.members if m.germline_platekey]
    if p.tumour_platekey:
        samples.append((p, p.tumour_platekey, "tumour"))
    for m, platekey, stype in samples:
        assert platekey
        qc = vcf.qc_metrics(m, platekey, stype, streams.int_seed(f"qc:{platekey}"))
        name = f"{platekey}.qc.json"
        qc = writer.dq.qc(qc, stype, (folder / name).relative_to(writer.landing).as_posix())
        (folder / name).write_text(
            json.dumps(qc, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        manifest.append(
            [
                platekey,
                m.referral_id,
                fam.family_id,
                stype,
                name,
                "qc",
                "GRCh38",
                _sha256(folder / name),
            ]
        )
    return pvs


def _d(x: date | None) -> str:
    return x.isoformat() if x else ""


def _write_night_tables(
    prog: co.Programme,
    writer: _Writer,
    n: int,
    night: date,
    hes_deliveries,
    summary_hes: dict[str, int],
) -> None:
    landing = writer.landing
    day = night.isoformat()
    month = f"{night.year:04d}-{night.month:02d}"
    # Referrals per GMC
    by_gmc: dict[str, list[co.FamilyInfo]] = {}
    for fi in prog.families:
        if fi.referral_night == n:
            by_gmc.setdefault(fi.family.gmc_code, []).append(fi)
    for gmc in sorted(by_gmc):
        folder = landing / "referrals" / gmc / day
        prows, hrows, trows = [], [], []
        for fi in by_gmc[gmc]:
            for m in fi.family.members:
                prows.append(
                    [
                        m.referral_id,
                        m.gmc_code,
                        m.nhs_number,
                        _d(m.date_of_birth),
                        m.sex,
                        m.family_id,
                        m.relationship_to_proband,
                        m.affection_status,
                        m.programme,
                        m.disease_group,
                        m.specific_disease,
                        _d(m.referral_date),
                        m.consent_status,
                    ]
                )
                for ph in prog.phenotypes.get(m.referral_id, []) if not fi.declined else []:
                    hrows.append([m.referral_id, ph.hpo_id, ph.observed, _d(ph.recorded_date)])
            if fi.tumour and not fi.declined:
                p = fi.family.proband
                trows.append(
                    [
                        p.referral_id,
                        fi.tumour.tumour_id,
                        fi.tumour.icd10,
                        _d(fi.tumour.diagnosis_date),
                        p.tumour_platekey or "",
                        p.germline_platekey or "",
                    ]
                )
        writer.table(folder, "participants.csv", "participants", PARTICIPANT_COLS, prows)
        writer.table(folder, "phenotypes.csv", "phenotypes", PHENOTYPE_COLS, hrows)
        writer.table(folder, "tumours.csv", "tumours", TUMOUR_COLS, trows)
        writer.finish(folder, "referrals")
    # Results per GMC
    res: dict[str, list[co.FamilyInfo]] = {}
    for fi in prog.families:
        if fi.result_night == n:
            res.setdefault(fi.family.gmc_code, []).append(fi)
    for gmc in sorted(res):
        folder = landing / "results" / gmc / day
        rows = [[fi.family.family_id, fi.family.proband.referral_id, _d(fi.result_date),
                 fi.case_solved, fi.causal_gene, fi.causal_variant, fi.acmg, fi.actionability]
                for fi in res[gmc]]  # fmt: skip
        rel = (folder / "exit_questionnaires.csv").relative_to(landing).as_posix()
        for r, fi in zip(rows, res[gmc], strict=True):
            r[2] = writer.dq.result_date(r[2], _d(fi.family.proband.referral_date), r[0], rel)
        writer.table(folder, "exit_questionnaires.csv", "exit_questionnaires", EXIT_COLS, rows)
        writer.finish(folder, "results")
    # HES (monthly, year to date)
    folder = landing / "hes" / month
    for kind in ("apc", "op", "ae"):
        header = hes_mod.HEADERS[kind]
        rows = [[f[h] for h in header] for _, f in hes_deliveries[kind][n]]
        name = f"hes_{kind}.txt"
        if n > 0 and prog.nights[n - 1].year == night.year:  # year-to-date re-delivery
            carried = {r.key for r, _ in hes_deliveries[kind][n - 1]}
            rel = (folder / name).relative_to(landing).as_posix()
            rows = writer.dq.hes_rows(kind, rel, header, rows, carried)
        written = writer.table(folder, name, f"hes_{kind}", header, rows, pipe=True)
        summary_hes[f"{month}/{name}"] = written
    writer.finish(folder, "hes")
    # Deaths
    pmap = {m.referral_id: m for m in prog.participants()}
    folder = landing / "mortality" / month
    rows = []
    for rid in sorted(prog.deaths, key=lambda r: (prog.deaths[r].dod, r)):
        dth = prog.deaths[rid]
        if dth.night != n:
            continue
        causes = [cat.hes_icd10(c) for c in dth.causes]
        rows.append(
            [pmap[rid].nhs_number, _d(dth.dod), _d(dth.dor), causes[0]]
            + [causes[i] if i < len(causes) else "" for i in range(15)]
        )
    writer.table(folder, "deaths.txt", "deaths", DEATH_COLS, rows, pipe=True)
    writer.finish(folder, "mortality")
    # PanelApp snapshot
    folder = landing / "panelapp" / day
    folder.mkdir(parents=True, exist_ok=True)
    doc = [
        prog.panels[name][n].to_json()
        for name in sorted(prog.panels, key=lambda k: prog.panels[k][n].id)
    ]
    (folder / "panels.json").write_text(
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    writer.finish(folder, "panelapp")
    # Withdrawals
    wd = [(rid, w) for rid, w in sorted(prog.withdrawals.items()) if w.night == n]
    if wd:
        folder = landing / "withdrawals" / day
        rows = [[rid, pmap[rid].nhs_number, _d(w.withdrawal_date), w.option] for rid, w in wd]
        writer.table(folder, "withdrawals.csv", "withdrawals", WITHDRAWAL_COLS, rows)
        writer.finish(folder, "withdrawals")


# ---------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------


def cohort_figures(prog: co.Programme, hes_deliveries, planted) -> dict:
    """The figures in ground_truth/cohort.json, computed from the in-memory model.

    Definitions (all over the whole run, i.e. after the last night; planted defects are
    ignored, so run with defects=0 to compare a loader's counts with these exactly):
    - participants_per_gmc[gmc].total: participant rows delivered in referrals for the GMC;
      .consented: those with consent_status consented; .active: consented and not
      withdrawn with option no_further_use (what the warehouse should hold).
    - participants_per_programme[programme]: the same three figures per programme.
    - families_by_structure: families (any consent) by structure: singleton, duo (proband +
      one parent), trio, quad (trio + 1 sibling), larger (trio + 2 siblings), cancer.
    - genomes_delivered: sequenced samples whose files were delivered, by sample_type
      (germline platekeys and tumour platekeys); vcf_files: VCF files delivered.
    - families_solved: families whose delivered exit questionnaire has case_solved = yes.
    - hes.rows_per_file: data rows in each delivered HES file (key `<YYYY-MM>/<file>`);
      hes.distinct_keys: distinct EPIKEY / ATTENDKEY / AEKEY over all deliveries
      (newest delivery wins, so this is the row count after revision).
    - admissions: for each proband with a delivered exit questionnaire, the number of
      distinct EPIKEYs with EPIORDER = 1 (spells) with ADMIDATE before the result date and
      on/after it, as delivered (newest wins; revisions never change EPIORDER or dates).
    - deaths: ONS death rows delivered. withdrawals: rows delivered by withdrawal_option.
    """
    parts = prog.participants()
    famof = prog.family_of()
    nfu = {r for r, w in prog.withdrawals.items() if w.option == "no_further_use"}

    def figs(members) -> dict:
        ms = list(members)
        cons = [m for m in ms if m.consent_status == "consented"]
        return {"total": len(ms), "consented": len(cons),
                "active": sum(1 for m in cons if m.referral_id not in nfu)}  # fmt: skip

    per_gmc = {g: figs(m for m in parts if m.gmc_code == g) for g in sorted(cat.GMC_WEIGHTS)}
    per_prog = {p: figs(m for m in parts if m.programme == p) for p in ("rare_disease", "cancer")}
    genomes = Counter()
    vcfs = 0
    for fi in prog.families:
        if fi.seq_night is None:
            continue
        genomes["germline"] += sum(1 for m in fi.family.members if m.germline_platekey)
        if fi.family.proband.tumour_platekey:
            genomes["tumour"] += 1
        vcfs += 2 if fi.cancer else 1
    rows_per_file = {}
    keys: dict[str, set[str]] = {}
    for kind, per_night in hes_deliveries.items():
        keys[kind] = set()
        for n, lst in enumerate(per_night):
            night = prog.nights[n]
            rows_per_file[f"{night.year:04d}-{night.month:02d}/hes_{kind}.txt"] = len(lst)
            keys[kind].update(r.key for r, _ in lst)
    delivered_apc = {}
    for lst in hes_deliveries["apc"]:
        for r, f in lst:
            delivered_apc[r.key] = f
    spells_by_owner: dict[str, list[date]] = {}
    for k, f in delivered_apc.items():
        if f["EPIORDER"] == "1":
            spells_by_owner.setdefault(prog.hes_owner[k], []).append(
                date.fromisoformat(f["ADMIDATE"])
            )
    admissions = {}
    for fi in prog.families:
        if fi.result_night is None or fi.result_date is None:
            continue
        rid = fi.family.proband.referral_id
        ds = spells_by_owner.get(rid, [])
        admissions[rid] = {
            "result_date": fi.result_date.isoformat(), "case_solved": fi.case_solved,
            "before": sum(1 for d in ds if d < fi.result_date),
            "after": sum(1 for d in ds if d >= fi.result_date),
        }  # fmt: skip
    wd = Counter(w.option for w in prog.withdrawals.values())
    del famof
    return {
        "seed": prog.seed,
        "nights": [n.isoformat() for n in prog.nights],
        "participants_per_gmc": per_gmc,
        "participants_per_programme": per_prog,
        "families_by_structure": dict(sorted(Counter(f.structure for f in prog.families).items())),
        "genomes_delivered": dict(sorted(genomes.items())),
        "vcf_files": vcfs,
        "families_solved": sum(1 for f in prog.families
                               if f.result_night is not None and f.case_solved == "yes"),
        "hes": {"rows_per_file": rows_per_file,
                "distinct_keys": {k: len(v) for k, v in sorted(keys.items())}},
        "admissions": admissions,
        "deaths": sum(1 for d in prog.deaths.values() if d.night is not None),
        "withdrawals": {o: wd.get(o, 0) for o in ("no_further_use", "no_further_contact")},
        "planted_variants": sum(len(v) for v in planted.values()),
    }  # fmt: skip


def _write_ground_truth(
    prog: co.Programme, truth: Path, planted, hes_deliveries, planter: DefectPlanter
) -> None:
    famof = {f.family.family_id: f for f in prog.families}
    rows = []
    for fid in sorted(planted):
        fi = famof[fid]
        assert fi.disease is not None or not planted[fid]
        versions: list[Panel] = []
        if fi.disease:
            for p in prog.panels[fi.disease.name]:
                if not versions or versions[-1].version != p.version:
                    versions.append(p)
        for pv in planted[fid]:
            for p in versions:
                tier = expected_tier(pv, p)
                pv.expected_tier[p.version] = tier
                rows.append(
                    [
                        fid,
                        fi.family.proband.referral_id,
                        pv.chrom,
                        str(pv.pos),
                        pv.ref,
                        pv.alt,
                        pv.gene_symbol,
                        pv.consequence,
                        pv.impact,
                        pv.segregation,
                        pv.mode_of_inheritance,
                        str(p.id),
                        p.name,
                        p.version,
                        "" if tier is None else str(tier),
                    ]
                )
    (truth / "planted_variants.csv").write_bytes(_csv_bytes(PLANTED_COLS, rows))
    figs = cohort_figures(prog, hes_deliveries, planted)
    (truth / "cohort.json").write_text(
        json.dumps(figs, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    drows = [
        [
            str(i + 1),
            d.kind,
            d.feed,
            d.path,
            "" if d.line is None else str(d.line),
            d.expected_reason,
            d.detail,
        ]
        for i, d in enumerate(planter.records)
    ]
    (truth / "defects.csv").write_bytes(_csv_bytes(DEFECT_COLS, drows))
    ids = [[m.referral_id, m.nhs_number, _d(m.date_of_birth)] for m in prog.participants()]
    (truth / "identifiers.csv").write_bytes(
        _csv_bytes(["referral_id", "nhs_number", "date_of_birth"], ids)
    )


def _summary(prog, out, landing, truth, planted, summary_hes, planter, n_vcfs) -> SimulationSummary:
    genomes = sum(
        sum(1 for m in f.family.members if m.germline_platekey)
        + (1 if f.family.proband.tumour_platekey else 0)
        for f in prog.families
        if f.seq_night is not None
    )
    return SimulationSummary(
        out=out, landing=landing, ground_truth=truth, nights=list(prog.nights),
        participants=len(prog.participants()),
        families_by_structure=dict(sorted(Counter(f.structure for f in prog.families).items())),
        genomes=genomes, vcf_files=n_vcfs, hes_rows=summary_hes,
        deaths=sum(1 for d in prog.deaths.values() if d.night is not None),
        withdrawals=dict(sorted(Counter(w.option for w in prog.withdrawals.values()).items())),
        planted_variants=sum(len(v) for v in planted.values()),
        defects=dict(sorted(Counter(d.kind for d in planter.records).items())),
    )  # fmt: skip


def print_summary(s: SimulationSummary, console: Console) -> None:
    """The one-screen end-of-run summary."""
    t = Table(title=f"Simulated programme -> {s.out}", show_header=False)
    t.add_column("what")
    t.add_column("value")
    t.add_row("nights", ", ".join(d.isoformat() for d in s.nights))
    t.add_row("participants", str(s.participants))
    t.add_row(
        "families by structure", ", ".join(f"{k} {v}" for k, v in s.families_by_structure.items())
    )
    t.add_row("genomes delivered", f"{s.genomes} samples in {s.vcf_files} VCFs")
    hes_tot = Counter()
    for k, v in s.hes_rows.items():
        hes_tot[k.split("/")[1]] += v
    t.add_row("HES rows delivered", ", ".join(f"{k} {v}" for k, v in sorted(hes_tot.items())))
    t.add_row("deaths", str(s.deaths))
    t.add_row("withdrawals", ", ".join(f"{k} {v}" for k, v in s.withdrawals.items()) or "0")
    t.add_row("planted causal variants", str(s.planted_variants))
    t.add_row("defects planted", ", ".join(f"{k} {v}" for k, v in s.defects.items()) or "none")
    t.add_row(
        "data-quality defects planted",
        ", ".join(f"{k} {v}" for k, v in s.dq_defects.items()) or "none",
    )
    console.print(t)
