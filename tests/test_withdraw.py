"""Consent withdrawal end to end on real PostgreSQL.

A programme is simulated, loaded, tiered, built and promoted. The simulator's own
withdrawals (relatives in joint-called families) are joined by three delivered here through
the real feed: a rare-disease proband with a tiered family VCF (no_further_use), a cancer
participant with single-sample VCFs (no_further_use), and a participant choosing
no_further_contact. A quarantined line of the proband is planted before the withdrawal.
Then `process_withdrawals` runs and the warehouse, the landing area and a rebuilt
warehouse are searched for any trace of the withdrawn participants.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pysam
import pytest
from psycopg import sql
from support.warehouse_build import build, load_and_tier, simulate

from governance.withdrawal import WithdrawalReport, process_withdrawals
from gwh.cli import main as gwh
from loaders.ingest.ledger import sha256_file
from loaders.ingest.runner import load_landing
from warehouse import db

pytestmark = pytest.mark.e2e

SEED = 7
PARTICIPANTS = 60
NIGHTS = 3
#: The register of withdrawals: the only tables allowed to keep a withdrawn pseudonym.
REGISTER = {"raw.withdrawals", "audit.withdrawals"}


@dataclass
class Person:
    referral_id: str
    nhs_number: str
    pseudonym: str
    family_id: str
    gmc_code: str
    platekeys: set[str]


@dataclass
class World:
    url: str
    landing: Path
    people: dict[str, Person]  # role in the test -> person
    simulated_nfu: list[Person]
    report: WithdrawalReport
    presence_before: dict[str, set[str]]
    quarantined_before: int
    participants_line: str  # the proband's original participants.csv line
    participants_header: str
    hes_lines: list[str]  # the proband's original HES APC lines
    hes_header: str
    landing_before: Path  # a copy of the landing area as delivered, before the withdrawals


def _q(url: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def _identifiers(truth: Path) -> dict[str, str]:
    with (truth / "identifiers.csv").open(newline="") as fh:
        return {r["referral_id"]: r["nhs_number"] for r in csv.DictReader(fh)}


def _person(url: str, rid: str, nhs: dict[str, str]) -> Person:
    pseud, fam, gmc = _q(
        url,
        "select participant_pseudonym, family_id, gmc_code from raw.referrals_participants "
        "where referral_id = %s limit 1",
        (rid,),
    )[0]
    plates = {
        r[0]
        for r in _q(
            url, "select platekey from raw.sequencing_manifest where referral_id = %s", (rid,)
        )
    }
    return Person(rid, nhs[rid], pseud, fam, gmc, plates)


def where_found(url: str, needles: list[str]) -> set[str]:
    """Every table (schema.table) of every schema holding any needle in any column."""
    found: set[str] = set()
    pattern = [f"%{n}%" for n in needles]
    with psycopg.connect(url) as conn:
        cols = conn.execute(
            "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
            "join information_schema.tables t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.table_schema not in "
            "('pg_catalog', 'information_schema', 'pg_toast') "
            "and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')"
        ).fetchall()
        for schema, table, column in cols:
            q = sql.SQL("select 1 from {} where {}::text like any(%s) limit 1").format(
                sql.Identifier(schema, table), sql.Identifier(column)
            )
            if conn.execute(q, (pattern,)).fetchone():
                found.add(f"{schema}.{table}")
    return found


def _landing_text(landing: Path) -> str:
    parts = []
    for p in sorted(landing.rglob("*")):
        if not p.is_file():
            continue
        if p.name.endswith(".vcf.gz"):
            with gzip.open(p, "rt") as fh:
                parts.append(fh.read())
        elif not p.name.endswith(".tbi"):
            parts.append(p.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def _write_delivery(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "_SUCCESS").write_text("")


@pytest.fixture(scope="module")
def world(pg_server: db.ServerChoice, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    out = tmp_path_factory.mktemp("withdraw")
    simulate(out, PARTICIPANTS, SEED, NIGHTS)
    landing, truth = out / "landing", out / "ground_truth"
    url = db.with_database(pg_server.url, f"gwh_test_wd_{os.getpid()}_{out.name[-4:]}")
    db.drop_database(url)
    db.ensure_database(url)
    try:
        load_and_tier(url, landing)
        build(url)
        nhs = _identifiers(truth)
        sim_nfu = [
            _person(url, r[0], nhs)
            for r in _q(
                url,
                "select distinct referral_id from raw.withdrawals "
                "where withdrawal_option = 'no_further_use' order by 1",
            )
        ]
        assert sim_nfu, "the simulator planted no withdrawal"
        withdrawn = [p.referral_id for p in sim_nfu]
        proband = _q(
            url,
            "select p.referral_id from raw.referrals_participants p "
            "join raw.variant_tiers t on t.proband_referral_id = p.referral_id "
            "join raw.results_exit_questionnaires e on e.referral_id = p.referral_id "
            "where p.family_id not in (select family_id from raw.referrals_participants "
            "  where referral_id = any(%s)) "
            "and exists (select 1 from raw.referrals_participants r "
            "  where r.family_id = p.family_id and r.referral_id <> p.referral_id) "
            "and exists (select 1 from raw.hes_apc h "
            "  where h.participant_pseudonym = p.participant_pseudonym) "
            "order by 1 limit 1",
            (withdrawn,),
        )[0][0]
        cancer = _q(
            url,
            "select referral_id from raw.referrals_participants where programme = 'cancer' "
            "and referral_id in (select referral_id from raw.sequencing_manifest "
            "  where file_name like '%%.germline.vcf.gz') order by 1 limit 1",
        )[0][0]
        contact = _q(
            url,
            "select referral_id from marts.dim_participant where date_of_death is null "
            "and referral_id <> all(%s) and family_id <> all(%s) order by 1 limit 1",
            (
                [*withdrawn, proband, cancer],
                [
                    _q(
                        url,
                        "select family_id from marts.dim_participant where referral_id = %s",
                        (x,),
                    )[0][0]
                    for x in (proband, cancer)
                ],
            ),
        )[0][0]
        people = {
            "proband": _person(url, proband, nhs),
            "cancer": _person(url, cancer, nhs),
            "contact": _person(url, contact, nhs),
        }
        p = people["proband"]
        # Original lines, for the re-delivery test (taken before the landing is cleaned).
        part_header, part_line = "", ""
        for f in sorted(landing.glob(f"referrals/{p.gmc_code}/*/participants.csv")):
            lines = f.read_text(encoding="utf-8-sig").splitlines()
            for line in lines[1:]:
                if line.startswith(p.referral_id + ","):
                    part_header, part_line = lines[0], line
        hes_header, hes_lines = "", []
        for f in sorted(landing.glob("hes/*/hes_apc.txt")):
            lines = f.read_text(encoding="utf-8-sig").splitlines()
            hes_header = lines[0]
            hes_lines += [x for x in lines[1:] if x.startswith(p.nhs_number + "|")]
        assert part_line and hes_lines
        # The withdrawals, delivered through the feed; a quarantined line of the proband
        # (a death with an impossible date) delivered before them.
        _write_delivery(
            landing / "withdrawals" / "2025-07-02",
            {
                "withdrawals.csv": "referral_id,nhs_number,withdrawal_date,withdrawal_option\n"
                f"{p.referral_id},{p.nhs_number},2025-07-02,no_further_use\n"
                f"{cancer},{nhs[cancer]},2025-07-02,no_further_use\n"
                f"{contact},{nhs[contact]},2025-07-02,no_further_contact\n"
            },
        )
        spaced = f"{p.nhs_number[:3]} {p.nhs_number[3:6]} {p.nhs_number[6:]}"
        deaths_header = (
            (landing / "mortality" / "2025-05" / "deaths.txt").read_text().split("\n")[0]
        )
        _write_delivery(
            landing / "mortality" / "2025-04",
            {
                # 3-3-4 spaced, as feeds.md allows: the quarantine match must still find it
                "deaths.txt": f"{deaths_header}\n{spaced}|2025-02-30|2025-03-01|I219"
                + "|" * 15
                + "\n"
            },
        )
        load_landing(landing, url)
        quarantined = _q(
            url,
            "select count(*) from quarantine.rows where raw_line like %s",
            (f"%{spaced}%",),
        )[0][0]
        # A data-quality result whose sample names the proband among others (as a failed
        # expectation lists offending referral ids).
        with psycopg.connect(url) as conn:
            conn.execute(
                "insert into dq.checkpoint_runs (run_id, stage, started_at, finished_at, "
                "expectations, failed_critical, failed_warning, success) "
                "values ('wd-test', 'raw', now(), now(), 1, 0, 1, true)"
            )
            conn.execute(
                "insert into dq.validation_results (run_id, stage, suite, asset, expectation, "
                "expectation_type, category, severity, success, unexpected_count, "
                "element_count, unexpected_sample, validated_at) values ('wd-test', 'raw', "
                "'raw.referrals_participants', 'referrals_participants', 'test_check', "
                "'expect_column_values_to_match_regex', 'conformance', 'warning', false, 2, "
                "60, %s, now())",
                (json.dumps([p.referral_id, "RR00000001"]),),
            )
        needles = [p.pseudonym, p.referral_id]
        before = {
            "proband": where_found(url, needles),
            "cancer": where_found(url, [people["cancer"].pseudonym, cancer]),
        }
        landing_before = out / "landing_before"
        shutil.copytree(landing, landing_before)
        report = process_withdrawals(url, landing)
        yield World(
            url,
            landing,
            people,
            sim_nfu,
            report,
            before,
            quarantined,
            part_line,
            part_header,
            hes_lines,
            hes_header,
            landing_before,
        )
    finally:
        db.drop_database(url)


def _nfu(world: World) -> list[Person]:
    return [*world.simulated_nfu, world.people["proband"], world.people["cancer"]]


def test_the_participants_were_everywhere_before(world: World) -> None:
    assert world.quarantined_before == 1, "the planted quarantined line must exist"
    before = world.presence_before["proband"]
    for table in (
        "raw.referrals_participants",
        "raw.hes_apc",
        "raw.variant_tiers",
        "raw.results_exit_questionnaires",
        "marts.dim_participant",
        "snapshots.snap_participant_consent",
        "marts.fct_case_outcome",
    ):
        assert table in before, f"{table} did not hold the proband before the withdrawal"
    assert "raw.variant_sample_stats" in world.presence_before["cancer"]


def test_one_audit_row_per_withdrawal(world: World) -> None:
    applied = {(o.referral_id, o.withdrawal_option) for o in world.report.applied}
    expected = {(p.referral_id, "no_further_use") for p in _nfu(world)}
    expected.add((world.people["contact"].referral_id, "no_further_contact"))
    assert applied == expected
    rows = _q(
        world.url,
        "select referral_id, participant_pseudonym, withdrawal_date, withdrawal_option, "
        "rows_removed, removed, landing_files from audit.withdrawals",
    )
    assert len(rows) == len(expected)
    by_rid = {r[0]: r for r in rows}
    proband = world.people["proband"]
    row = by_rid[proband.referral_id]
    assert row[1] == proband.pseudonym
    assert str(row[2]) == "2025-07-02" and row[3] == "no_further_use"
    assert row[4] == sum(row[5].values()) > 0
    for table in ("raw.referrals_participants", "raw.hes_apc", "raw.variant_tiers"):
        assert row[5].get(table, 0) > 0, f"audit does not count {table}"
    assert row[5].get("quarantine.rows") == 1
    assert row[5].get("dq.validation_results (samples scrubbed)") == 1
    sample = _q(world.url, "select unexpected_sample from dq.validation_results")
    assert sample == [(["RR00000001"],)], "only the withdrawn id leaves the dq sample"
    assert any(f["action"] == "deleted" for f in row[6])
    contact = by_rid[world.people["contact"].referral_id]
    assert contact[4] == 0 and contact[6] == [], "no_further_contact must remove nothing"


def test_no_trace_left_in_any_table(world: World) -> None:
    for p in _nfu(world):
        found = where_found(world.url, [p.pseudonym, p.referral_id, *p.platekeys])
        assert found <= REGISTER, f"{p.referral_id} still in {sorted(found - REGISTER)}"
    # The register tables hold the pseudonym only, never an NHS number.
    for p in _nfu(world):
        assert where_found(world.url, [p.nhs_number]) == set()


def test_relatives_who_did_not_withdraw_stay(world: World) -> None:
    proband = world.people["proband"]
    relatives = _q(
        world.url,
        "select count(*) from marts.dim_participant where family_id = %s",
        (proband.family_id,),
    )[0][0]
    in_raw = _q(
        world.url,
        "select count(distinct referral_id) from raw.referrals_participants "
        "where family_id = %s and consent_status = 'consented'",
        (proband.family_id,),
    )[0][0]
    assert relatives == in_raw > 0


def test_family_members_genotypes_are_cut_out(world: World) -> None:
    for p in world.simulated_nfu:
        rows = _q(
            world.url,
            "select count(*) from raw.variant_candidates where candidate::text like %s",
            (f"%{p.referral_id}%",),
        )
        assert rows[0][0] == 0
    # Their relatives' data stays: the family still has candidates or sample stats.
    fam = world.simulated_nfu[0].family_id
    assert (
        _q(
            world.url,
            "select count(*) from raw.variant_sample_stats s join raw.variant_summaries v "
            "using (ledger_file_id) where v.family_id = %s",
            (fam,),
        )[0][0]
        > 0
    )


def test_landing_holds_nothing_of_theirs(world: World) -> None:
    text = _landing_text(world.landing)
    for p in _nfu(world):
        assert p.nhs_number not in text, f"{p.referral_id}: NHS number left in landing"
        assert p.referral_id not in text, f"{p.referral_id}: referral id left in landing"
        for plate in p.platekeys:
            assert plate not in text, f"{p.referral_id}: platekey left in landing"
    contact = world.people["contact"]
    assert contact.referral_id in text, "no_further_contact must not touch the landing area"


def test_rewritten_joint_vcf_is_valid_and_matches_its_manifest(world: World) -> None:
    p = world.simulated_nfu[0]
    vcfs = list(world.landing.glob(f"sequencing/*/{p.family_id}.vcf.gz"))
    assert vcfs
    for vcf in vcfs:
        with pysam.VariantFile(str(vcf)) as vf:
            samples = list(vf.header.samples)
            assert samples and not (set(samples) & p.platekeys)
            assert sum(1 for _ in vf.fetch("chr1")) > 0  # the new index works
        with (vcf.parent / "manifest.csv").open(newline="") as fh:
            listed = [r["sha256"] for r in csv.DictReader(fh) if r["file_name"] == vcf.name]
        assert listed == [sha256_file(vcf)[0]]


def test_second_run_does_nothing(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert gwh(["withdraw", str(world.landing), "--url", world.url]) == 0
    out = capsys.readouterr().out
    assert "withdrawals applied: 0" in out
    assert len(_q(world.url, "select * from audit.withdrawals")) == len(world.report.applied)


def test_cleaned_landing_is_not_loaded_again(world: World) -> None:
    files = _q(world.url, "select count(*) from ledger.files where status = 'loaded'")[0][0]
    report = load_landing(world.landing, world.url)
    assert _q(world.url, "select count(*) from ledger.files where status = 'loaded'")[0][0] == files
    assert all(o.status in ("already_loaded", "duplicate") for o in report.files), [
        (o.path, o.status) for o in report.files if o.status not in ("already_loaded", "duplicate")
    ]


def test_rebuild_keeps_them_out_and_flags_no_further_contact(world: World) -> None:
    assert gwh(["variants", "load", str(world.landing), "--url", world.url]) == 0
    build(world.url)
    for p in _nfu(world):
        found = where_found(world.url, [p.pseudonym, p.referral_id, *p.platekeys])
        assert found <= REGISTER, f"{p.referral_id} back in {sorted(found - REGISTER)}"
    contact = world.people["contact"].referral_id
    flag = _q(
        world.url,
        "select is_no_further_contact from marts.dim_participant where referral_id = %s",
        (contact,),
    )
    assert flag == [(True,)]
    eligible = {
        r[0]
        for r in _q(world.url, "select referral_id from marts.dim_recontact_eligible_participant")
    }
    assert contact not in eligible
    assert len(eligible) > PARTICIPANTS // 2


def test_re_delivery_is_refused(world: World) -> None:
    p = world.people["proband"]
    base = world.landing
    _write_delivery(
        base / "referrals" / p.gmc_code / "2025-08-05",
        {"participants.csv": f"{world.participants_header}\n{world.participants_line}\n"},
    )
    _write_delivery(
        base / "hes" / "2025-03",  # back-dated: refused because the withdrawal was applied
        {"hes_apc.txt": world.hes_header + "\n" + "\n".join(world.hes_lines) + "\n"},
    )
    load_landing(base, world.url)
    reasons = _q(
        world.url,
        "select f.kind, q.reason, count(*) from quarantine.rows q "
        "join ledger.files f on f.file_id = q.ledger_file_id "
        "where f.path like 'referrals/%%/2025-08-05/%%' or f.path like 'hes/2025-03/%%' "
        "group by 1, 2",
    )
    assert set(reasons) == {
        ("participants", "withdrawn_participant", 1),
        ("hes_apc", "withdrawn_participant", len(world.hes_lines)),
    }, reasons
    found = where_found(world.url, [p.pseudonym, p.referral_id, p.nhs_number])
    assert found <= REGISTER, f"re-delivery reached {sorted(found - REGISTER)}"


def test_re_delivered_genome_and_qc_are_refused(world: World) -> None:
    """A sequencing re-delivery naming the withdrawn proband: QC JSON and VCF are refused
    (counted, reason withdrawn_participant) without being read, and nothing of them loads."""
    import hashlib
    import json

    p = world.people["proband"]
    platekey = sorted(p.platekeys)[0]
    folder = world.landing / "sequencing" / "2025-08-12"
    folder.mkdir(parents=True)
    qc = {
        "platekey": platekey,
        "mean_coverage": 33.1,
        "pct_bases_ge_15x": 97.2,
        "contamination_fraction": 0.004,
        "reported_sex": "female",
        "inferred_sex": "female",
        "insert_size_median": 452.0,
        "reads_mapped_pct": 99.1,
    }
    qc_bytes = json.dumps(qc).encode()
    (folder / f"{platekey}.qc.json").write_bytes(qc_bytes)
    # Any other family's genome, made unique: refusal must not depend on reading it.
    donor = next(world.landing.glob("sequencing/*/FAM*.vcf.gz"))
    vcf_bytes = donor.read_bytes() + b"redelivered"
    vcf_name = f"{p.family_id}.vcf.gz"
    (folder / vcf_name).write_bytes(vcf_bytes)
    header = "platekey,referral_id,family_id,sample_type,file_name,file_type,genome_build,sha256"
    lines = [
        f"{platekey},{p.referral_id},{p.family_id},germline,{name},{kind},GRCh38,"
        f"{hashlib.sha256(data).hexdigest()}"
        for name, kind, data in (
            (vcf_name, "vcf", vcf_bytes),
            (f"{platekey}.qc.json", "qc", qc_bytes),
        )
    ]
    (folder / "manifest.csv").write_text(header + "\r\n" + "\r\n".join(lines) + "\r\n")
    (folder / "_SUCCESS").write_text("")

    load_landing(world.landing, world.url)
    from loaders.genomes import process_genome

    result = process_genome(world.url, world.landing, folder, vcf_name)
    assert result.records == 0
    refused = _q(
        world.url,
        "select f.kind, q.reason, f.rows_delivered, f.rows_loaded from quarantine.rows q "
        "join ledger.files f on f.file_id = q.ledger_file_id "
        "join ledger.deliveries d on d.delivery_id = f.delivery_id "
        "where d.path = 'sequencing/2025-08-12' and f.kind in ('qc', 'vcf') order by 1",
    )
    assert refused == [
        ("qc", "withdrawn_participant", 1, 0),
        ("vcf", "withdrawn_participant", 1, 0),
    ]
    found = where_found(world.url, [p.pseudonym, p.referral_id, platekey])
    assert found <= REGISTER, f"re-delivery reached {sorted(found - REGISTER)}"


def test_re_delivered_joint_vcf_refuses_the_withdrawn_relatives_column(world: World) -> None:
    """A joint VCF re-delivered after a relative withdrew, still carrying their column (the
    proband did not withdraw, so the file loads): their per-sample statistics are refused
    and counted (withdrawn_participant), and nothing of theirs reaches any table."""
    import hashlib

    p = world.simulated_nfu[0]
    platekey = sorted(p.platekeys)[0]
    source = sorted(world.landing.glob(f"sequencing/*/{p.family_id}.vcf.gz"))[0]
    folder = world.landing / "sequencing" / "2025-08-19"
    folder.mkdir(parents=True)
    vcf = folder / source.name
    with pysam.VariantFile(str(source)) as src:
        header = src.header.copy()
        header.add_sample(platekey)
        donor = list(src.header.samples)[0]
        with pysam.VariantFile(str(vcf), "wz", header=header) as out:
            for rec in src:
                new = out.new_record(
                    contig=rec.contig, start=rec.start, stop=rec.stop, alleles=rec.alleles,
                    id=rec.id, qual=rec.qual, filter=list(rec.filter), info=dict(rec.info),
                )  # fmt: skip
                for sample in list(src.header.samples) + [platekey]:
                    new.samples[sample]["GT"] = rec.samples[
                        sample if sample != platekey else donor
                    ]["GT"]
                out.write(new)
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    with (source.parent / "manifest.csv").open(newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["file_name"] == source.name)
    data = vcf.read_bytes()
    header_line = (
        "platekey,referral_id,family_id,sample_type,file_name,file_type,genome_build,sha256"
    )
    lines = [
        f"{row['platekey']},{row['referral_id']},{p.family_id},germline,{vcf.name},vcf,GRCh38,"
        f"{hashlib.sha256(data).hexdigest()}",
        # the relative's QC row names their platekey (the QC file itself is not delivered)
        f"{platekey},{p.referral_id},{p.family_id},germline,{platekey}.qc.json,qc,GRCh38,"
        + "0" * 64,
    ]
    (folder / "manifest.csv").write_text(header_line + "\n" + "\n".join(lines) + "\n")
    (folder / "_SUCCESS").write_text("")

    from loaders.genomes import process_genome

    result = process_genome(world.url, world.landing, folder, vcf.name)
    assert result.status == "loaded" and result.samples == len(header.samples)
    refused = _q(
        world.url,
        "select q.reason, q.raw_line, f.rows_delivered = f.rows_loaded + f.rows_quarantined "
        "from quarantine.rows q join ledger.files f on f.file_id = q.ledger_file_id "
        "where f.path = %s",
        (f"sequencing/2025-08-19/{vcf.name}",),
    )
    assert refused == [("withdrawn_participant", "", True)]
    kept = _q(
        world.url,
        "select s.platekey from raw.variant_sample_stats s join ledger.files f "
        "on f.file_id = s.ledger_file_id where f.path = %s",
        (f"sequencing/2025-08-19/{vcf.name}",),
    )
    assert kept and platekey not in {k for (k,) in kept}
    found = where_found(world.url, [p.pseudonym, p.referral_id, platekey])
    assert found <= REGISTER, f"re-delivery reached {sorted(found - REGISTER)}"


def _raw_counts(url: str) -> dict[str, int]:
    tables = [r[0] for r in _q(url, "select tablename from pg_tables where schemaname = 'raw'")]
    return {t: _q(url, f"select count(*) from raw.{t}")[0][0] for t in sorted(tables)}


def test_reconciliation_counts_the_withdrawn_rows(world: World, tmp_path: Path) -> None:
    """The ledger keeps each file's counts at load time and counts what withdrawals removed
    since, so present rows = loaded - withdrawn holds for every file: the data-quality
    reconciliation holds on clean data instead of warning every night."""
    bad = _q(
        world.url,
        """
        with present as (
            select ledger_file_id, count(*) as n from (
                select ledger_file_id from raw.referrals_participants
                union all select ledger_file_id from raw.referrals_phenotypes
                union all select ledger_file_id from raw.referrals_tumours
                union all select ledger_file_id from raw.results_exit_questionnaires
                union all select ledger_file_id from raw.sequencing_manifest
                union all select ledger_file_id from raw.sequencing_qc
                union all select ledger_file_id from raw.hes_apc
                union all select ledger_file_id from raw.hes_op
                union all select ledger_file_id from raw.hes_ae
                union all select ledger_file_id from raw.mortality_deaths
                union all select ledger_file_id from raw.withdrawals
                union all select ledger_file_id from raw.panelapp_panels
                union all select ledger_file_id from raw.panelapp_genes
            ) r group by 1
        ),
        quarantined as (select ledger_file_id, count(*) as n from quarantine.rows group by 1)
        select f.path, f.rows_loaded, f.rows_withdrawn, coalesce(p.n, 0),
               f.rows_quarantined, f.quarantined_withdrawn, coalesce(q.n, 0)
        from ledger.files f
        left join present p on p.ledger_file_id = f.file_id
        left join quarantined q on q.ledger_file_id = f.file_id
        where f.status = 'loaded' and f.kind <> 'vcf'
          and (coalesce(p.n, 0) <> f.rows_loaded - f.rows_withdrawn
               or coalesce(q.n, 0) <> f.rows_quarantined - f.quarantined_withdrawn)
        """,
    )
    assert bad == []
    withdrawn = _q(
        world.url, "select sum(rows_withdrawn), sum(quarantined_withdrawn) from ledger.files"
    )[0]
    assert withdrawn[0] > 0 and withdrawn[1] >= 1, "the withdrawals removed rows"
    from quality import runner

    report = runner.validate(world.url, "raw", run_id="wd-recon", docs_dir=tmp_path)
    recon = {
        o.check_id: o.success
        for o in report.outcomes
        if o.check_id.startswith("raw.file_reconciliation.")
    }
    assert recon and all(recon.values()), recon


def test_a_resent_original_is_not_loaded_again(world: World, tmp_path: Path) -> None:
    """A withdrawal rewrote landing files without the participant; a supplier then re-sends
    the original bytes (a retry of a delivery already loaded). Exactly-once holds for the
    original content too: nothing loads twice and the withdrawn stay out."""
    rewritten = sorted(
        {
            f["path"]
            for (files,) in _q(world.url, "select landing_files from audit.withdrawals")
            for f in files
            if f["action"] == "rewritten" and not f["path"].endswith((".vcf.gz", ".tbi"))
        }
    )
    assert rewritten, "the withdrawals rewrote no delimited file"
    before = _raw_counts(world.url)
    # the same paths again, with the original bytes (a retry into a fresh landing mount)
    again = tmp_path / "landing"
    shutil.copytree(world.landing_before, again)
    report = load_landing(again, world.url)
    assert report.failed == []
    assert _raw_counts(world.url) == before, "a re-sent original loaded rows again"
    # and as new deliveries: each original file re-sent under a later date
    resent = set()
    for rel in rewritten:
        src = world.landing_before / rel
        parts = Path(rel).parts
        later = Path(*parts[:-2], "2026-12-01", parts[-1])
        target = world.landing / later
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, target)
        (target.parent / "_SUCCESS").write_text("")
        resent.add(later.as_posix())
    report = load_landing(world.landing, world.url)
    assert report.failed == []
    assert {f.status for f in report.files if f.path in resent} == {"duplicate"}
    assert _raw_counts(world.url) == before
    for p in _nfu(world):
        found = where_found(world.url, [p.pseudonym, p.referral_id])
        assert found <= REGISTER, f"{p.referral_id} reached {sorted(found - REGISTER)}"
