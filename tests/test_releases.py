"""Research data releases against the simulator's ground truth, on real PostgreSQL.

A programme is simulated and run night by night the way the nightly DAG does (load the
night, apply withdrawals, summarise and tier its genomes, dbt build, promote); a release is
cut after the first night and another after the second. The releases must hold exactly the
participants the delivered files say had consent at each cut, `diff 1 2` must count the
participants the second night added, the programme's published-style example queries must
run unchanged (LabKey functions included) and give the answers the delivered files and the
planted variants give, and a later withdrawal must remove a participant from every release,
each saying so in its amendment log.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from support.warehouse_build import build, simulate

from governance.releases import catalogue
from gwh.cli import main as gwh
from orchestration.tasks import load_night, night_genomes, process_night_genomes, withdrawals
from quality.releases import create_release
from warehouse import db

pytestmark = pytest.mark.e2e

SEED = 23
PARTICIPANTS = 120
NIGHTS = 2


@dataclass(frozen=True)
class Programme:
    url: str
    landing: Path
    truth: Path
    nights: list[str]


def _night(url: str, landing: Path, night: str) -> None:
    """One night as gwh_nightly runs it."""
    from loaders.genomes import panels_from_db, retier_all

    load_night(landing, url, night)
    withdrawals(url, landing)
    process_night_genomes(landing, url, night_genomes(landing, url, night))
    with psycopg.connect(url) as conn:
        panels = panels_from_db(conn)
    retier_all(url, panels)
    build(url, tests=False)


@pytest.fixture(scope="module")
def programme(
    pg_server: db.ServerChoice, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Programme]:
    out = tmp_path_factory.mktemp("release_programme")
    simulate(out, PARTICIPANTS, SEED, NIGHTS)
    nights = json.loads((out / "ground_truth" / "cohort.json").read_text())["nights"]
    url = db.with_database(pg_server.url, f"gwh_test_release_{out.name[-6:]}")
    db.drop_database(url)
    db.ensure_database(url)
    try:
        db.init_db(url)
        landing = out / "landing"
        for night in nights:
            _night(url, landing, night)
            outcome = create_release(url, docs_dir=out / "docs")
            assert outcome.published, [o.check_id for o in outcome.report.failed_critical]
        yield Programme(url, landing, out / "ground_truth", nights)
    finally:
        db.drop_database(url)


# ---------------------------------------------------------------------------------------
# ground truth from the delivered files


def _csv(landing: Path, pattern: str, by: str | None = None) -> list[dict[str, str]]:
    """Rows of every delivered file matching `pattern` whose delivery folder is due by `by`."""
    out = []
    for path in sorted(landing.glob(pattern)):
        if by is not None and path.parent.name > by:
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            out.extend(csv.DictReader(fh))
    return out


def _withdrawn(landing: Path, by: str) -> set[str]:
    return {
        r["referral_id"]
        for r in _csv(landing, "withdrawals/*/withdrawals.csv", by)
        if r["withdrawal_option"] == "no_further_use"
    }


def _consented(landing: Path, by: str, withdrawn_by: str) -> set[str]:
    """Referrals delivered by night `by`, consenting in their newest delivery, and not
    withdrawn with no_further_use by night `withdrawn_by`."""
    newest: dict[str, tuple[str, str]] = {}
    for path in sorted(landing.glob("referrals/*/*/participants.csv")):
        if path.parent.name > by:
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh):
                key = r["referral_id"]
                if key not in newest or path.parent.name >= newest[key][0]:
                    newest[key] = (path.parent.name, r["consent_status"])
    return {k for k, (_, status) in newest.items() if status == "consented"} - _withdrawn(
        landing, withdrawn_by
    )


def _rows(url: str, query: str, params: tuple | None = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def _released_referrals(url: str, version: int) -> set[str]:
    """What the release builder (only it) can map back: the referrals of a release."""
    return {
        r[0]
        for r in _rows(
            url,
            f"select i.referral_id from release_v{version}.participant p "
            "join release_admin.participant_ids i using (participant_id)",
        )
    }


def _ids(url: str, referrals: set[str]) -> set[int]:
    return {
        r[0]
        for r in _rows(
            url,
            "select participant_id from release_admin.participant_ids where referral_id = any(%s)",
            (sorted(referrals),),
        )
    }


def _as_researcher(url: str, query: str, search_path: str = "release_latest") -> list[tuple]:
    """Run a query exactly as a researcher would: read-only role, release on the path."""
    with psycopg.connect(url) as conn:
        conn.execute("set role gwh_researcher")
        conn.execute(f"set search_path = {search_path}")
        return conn.execute(query).fetchall()


# ---------------------------------------------------------------------------------------
# releases and their diff


def test_each_release_holds_the_participants_consenting_at_its_cut(programme: Programme) -> None:
    last = programme.nights[-1]
    for version, night in enumerate(programme.nights, start=1):
        # withdrawals after a cut reach the release too, so: withdrawn by the last night
        expected = _consented(programme.landing, night, last)
        assert expected
        assert _released_referrals(programme.url, version) == expected


def test_diff_counts_the_participants_the_second_night_added(
    programme: Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = programme.nights[0], programme.nights[1]
    last = programme.nights[-1]
    v1 = _consented(programme.landing, first, last)
    v2 = _consented(programme.landing, second, last)
    assert v2 - v1, "the second night delivered no new participant"
    with psycopg.connect(programme.url) as conn:
        d = catalogue.diff(conn, 1, 2)
    assert d.participants_added == len(v2 - v1)
    assert d.participants_removed == len(v1 - v2)
    assert d.participants_kept == len(v1 & v2)
    participant = next(t for t in d.tables if t.table == "participant")
    assert (participant.rows_before, participant.rows_after) == (len(v1), len(v2))
    assert gwh(["release", "diff", "1", "2", "--url", programme.url]) == 0
    shown = capsys.readouterr().out
    assert f"{len(v2 - v1)} added" in shown


def test_same_participant_same_id_in_every_release(programme: Programme) -> None:
    both = _rows(
        programme.url,
        "select a.participant_id, a.year_of_birth, b.year_of_birth from release_v1.participant a "
        "join release_v2.participant b using (participant_id)",
    )
    assert both and all(a == b for _, a, b in both)
    assert _released_referrals(programme.url, 1) <= _released_referrals(programme.url, 2) | (
        _withdrawn(programme.landing, programme.nights[-1])
    )


def test_release_latest_is_the_newest_and_notes_are_stored(programme: Programme) -> None:
    (n,) = _as_researcher(programme.url, "select count(*) from participant")[0]
    (n2,) = _rows(programme.url, "select count(*) from release_v2.participant")[0]
    assert n == n2
    with psycopg.connect(programme.url) as conn:
        notes = catalogue.notes(conn, 2)
    assert notes.since is not None and notes.since.old == 1
    assert notes.rows["participant"] > 0


# ---------------------------------------------------------------------------------------
# the researcher's view: read-only, releases only, no identifier


def test_researcher_reads_releases_and_nothing_else(programme: Programme) -> None:
    assert _as_researcher(programme.url, "select count(*) from release_v1.participant")[0][0] > 0
    for forbidden in ("marts.dim_participant", "release_admin.participant_ids", "raw.hes_apc"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as_researcher(programme.url, f"select 1 from {forbidden} limit 1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as_researcher(programme.url, "delete from release_v1.participant")


def test_no_identifier_of_the_warehouse_appears_in_a_release(programme: Programme) -> None:
    ids = list(csv.DictReader((programme.truth / "identifiers.csv").open()))
    needles = {r["referral_id"] for r in ids} | {r["nhs_number"] for r in ids}
    needles |= {r[0] for r in _rows(programme.url, "select family_id from marts.dim_family")}
    needles |= {
        r[0]
        for r in _rows(programme.url, "select participant_pseudonym from marts.dim_participant")
    }
    tables = _rows(
        programme.url,
        "select table_name from information_schema.tables where table_schema = 'release_v2'",
    )
    for (table,) in tables:
        text = _rows(programme.url, f"select string_agg(t::text, '|') from release_v2.{table} t")
        blob = text[0][0] or ""
        assert not [n for n in needles if n in blob], table
    assert not _rows(
        programme.url,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'release_v2' and column_name in "
        "('date_of_birth', 'nhs_number', 'referral_id', 'participant_pseudonym')",
    )


def test_every_release_table_and_column_has_a_comment(programme: Programme) -> None:
    missing = _rows(
        programme.url,
        "select c.table_name, c.column_name from information_schema.columns c "
        "where c.table_schema = 'release_v2' and col_description("
        "format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) is null",
    )
    assert missing == []
    assert not _rows(
        programme.url,
        "select table_name from information_schema.tables where table_schema = 'release_v2' "
        "and obj_description(format('%I.%I', table_schema, table_name)::regclass) is null",
    )


def test_every_table_of_the_interface_is_released(programme: Programme) -> None:
    interface = {
        "participant", "participant_summary", "rare_diseases_family",
        "rare_diseases_pedigree_member", "rare_diseases_participant_disease",
        "rare_diseases_participant_phenotype", "panels_applied", "tiering_data",
        "gmc_exit_questionnaire", "genome_file_paths_and_types", "plated_sample",
        "sequencing_report", "aggregate_gvcf_sample_stats", "cancer_analysis",
        "cancer_participant_tumour", "hes_apc", "hes_op", "hes_ae", "mortality",
        "death_details",
    }  # fmt: skip
    got = {
        t
        for (t,) in _rows(
            programme.url,
            "select table_name from information_schema.tables where table_schema = 'release_v2'",
        )
    }
    assert got == interface


# ---------------------------------------------------------------------------------------
# published-style example queries, run unchanged as a researcher


def test_cohort_with_an_hpo_term(programme: Programme) -> None:
    """Cohort building: rare-disease participants with a given HPO term recorded present."""
    last = programme.nights[-1]
    current = _consented(programme.landing, last, last)
    present: dict[str, set[str]] = {}
    for r in _csv(programme.landing, "referrals/*/*/phenotypes.csv", last):
        if r["observed"] == "yes" and r["referral_id"] in current:
            present.setdefault(r["hpo_id"], set()).add(r["referral_id"])
    hpo_id, referrals = max(present.items(), key=lambda kv: (len(kv[1]), kv[0]))
    got = _as_researcher(
        programme.url,
        "SELECT DISTINCT participant_id FROM rare_diseases_participant_phenotype "
        f"WHERE hpo_id = '{hpo_id}' AND hpo_present = 'Yes'",
    )
    assert {r[0] for r in got} == _ids(programme.url, referrals)


def _tier1_by_gene(truth: Path, withdrawn: set[str]) -> dict[str, set[str]]:
    """gene -> proband referrals with a planted variant that is Tier 1 at some panel's newest
    version (the oracle the warehouse tests use)."""
    latest: dict[tuple, tuple[tuple[int, ...], int | None, str, str]] = {}
    with (truth / "planted_variants.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["proband_referral_id"] in withdrawn:
                continue
            key = (r["family_id"], r["chrom"], r["pos"], r["ref"], r["alt"], r["panel_id"])
            version = tuple(int(x) for x in r["panel_version"].split("."))
            tier = int(r["expected_tier"]) if r["expected_tier"] else None
            if key not in latest or version > latest[key][0]:
                latest[key] = (version, tier, r["gene_symbol"], r["proband_referral_id"])
    out: dict[str, set[str]] = {}
    for _, tier, gene, proband in latest.values():
        if tier == 1:
            out.setdefault(gene, set()).add(proband)
    return out


def test_participants_with_a_tier_1_variant_in_a_gene(programme: Programme) -> None:
    withdrawn = _withdrawn(programme.landing, programme.nights[-1])
    by_gene = _tier1_by_gene(programme.truth, withdrawn)
    assert by_gene, "simulation planted no Tier 1 variant"
    for gene, probands in by_gene.items():
        got = _as_researcher(
            programme.url,
            "SELECT DISTINCT participant_id FROM tiering_data "
            f"WHERE tier = 'TIER1' AND genomic_feature_hgnc = '{gene}'",
        )
        assert {r[0] for r in got} == _ids(programme.url, probands), gene
    chroms = _as_researcher(programme.url, "SELECT DISTINCT chromosome FROM tiering_data")
    assert chroms and not [c for (c,) in chroms if c.startswith("chr")]


def _hes_apc_truth(
    landing: Path, truth: Path, current: set[str], last_night: str
) -> list[dict[str, str]]:
    """Newest revision of each delivered APC episode of a current participant, from the
    monthly extracts due by the last night (a month's extract is due from its first day)."""
    nhs_to_referral = {
        r["nhs_number"]: r["referral_id"]
        for r in csv.DictReader((truth / "identifiers.csv").open())
    }
    newest: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted(landing.glob("hes/*/hes_apc.txt")):
        if path.parent.name > last_night[:7]:
            continue
        with path.open(newline="", encoding="utf-8-sig") as fh:
            for r in csv.DictReader(fh, delimiter="|"):
                rid = nhs_to_referral.get(r["NEWNHSNO"].replace(" ", ""))
                if rid not in current:
                    continue
                if r["EPIKEY"] not in newest or path.parent.name >= newest[r["EPIKEY"]][0]:
                    newest[r["EPIKEY"]] = (path.parent.name, {**r, "referral_id": rid})
    return [r for _, r in newest.values()]


def test_admissions_with_an_icd10_code(programme: Programme) -> None:
    """HES query: admissions (episodes) with an ICD-10 code in any position, with the
    LabKey functions `year()` and `curdate()` the published queries use."""
    last = programme.nights[-1]
    current = _consented(programme.landing, last, last)
    episodes = _hes_apc_truth(programme.landing, programme.truth, current, last)
    by_code: dict[str, list[dict[str, str]]] = {}
    for e in episodes:
        for i in range(1, 21):
            code = e[f"DIAG_4_{i:02d}"]
            if code:
                by_code.setdefault(code[:3], []).append(e)
    code, hits = max(by_code.items(), key=lambda kv: (len({e["EPIKEY"] for e in kv[1]}), kv[0]))
    expected_episodes = {e["EPIKEY"] for e in hits}
    expected_people = _ids(programme.url, {e["referral_id"] for e in hits})
    got = _as_researcher(
        programme.url,
        "SELECT participant_id, epikey, year(admidate) AS admission_year, "
        "year(curdate()) - year(admidate) AS years_ago FROM hes_apc "
        f"WHERE diag_all LIKE '%{code}%'",
    )
    assert {r[1] for r in got} == expected_episodes
    assert {r[0] for r in got} == expected_people
    assert all(r[2] is not None and r[3] >= 0 for r in got)
    # the same answer from the positional columns, and `|`-joined diag_all
    (n,) = _as_researcher(
        programme.url,
        "SELECT count(*) FROM hes_apc WHERE "
        + " OR ".join(f"diag_{i:02d} LIKE '{code}%'" for i in range(1, 21)),
    )[0]
    assert n == len(expected_episodes)
    sample = _as_researcher(programme.url, "SELECT diag_all FROM hes_apc WHERE diag_02 IS NOT NULL")
    assert sample and all("|" in s for (s,) in sample)


def test_hes_codes_as_hes_writes_them(programme: Programme) -> None:
    bad = _as_researcher(
        programme.url,
        "SELECT diag_01 FROM hes_apc WHERE diag_01 LIKE '%.%' OR length(diag_01) <> 4 "
        "UNION ALL SELECT diag_01 FROM hes_op WHERE diag_01 LIKE '%.%' "
        "UNION ALL SELECT diagnosis_icd_code FROM cancer_participant_tumour "
        "WHERE diagnosis_icd_code LIKE '%.%'",
    )
    assert bad == []


# ---------------------------------------------------------------------------------------
# a withdrawal after the releases


def test_withdrawal_removes_the_participant_from_every_release(programme: Programme) -> None:
    ids = {r["referral_id"]: r["nhs_number"] for r in csv.DictReader(
        (programme.truth / "identifiers.csv").open())}  # fmt: skip
    in_both = sorted(_released_referrals(programme.url, 1) & _released_referrals(programme.url, 2))
    # a relative (not a proband), so the family stays
    relatives = {
        r[0]
        for r in _rows(
            programme.url,
            "select referral_id from marts.dim_participant where not is_proband",
        )
    }
    who = next(r for r in in_both if r in relatives)
    (pid,) = _ids(programme.url, {who})
    folder = programme.landing / "withdrawals" / "2099-01-01"
    folder.mkdir(parents=True)
    (folder / "withdrawals.csv").write_text(
        "referral_id,nhs_number,withdrawal_date,withdrawal_option\n"
        f"{who},{ids[who]},2099-01-01,no_further_use\n"
    )
    (folder / "_SUCCESS").write_text("")
    load_night(programme.landing, programme.url, "2099-01-01", ["withdrawals"])
    report = withdrawals(programme.url, programme.landing)
    assert report["applied"] == 1
    for version in (1, 2):
        for (table,) in _rows(
            programme.url,
            "select table_name from information_schema.columns "
            "where table_schema = %s and column_name = 'participant_id'",
            (f"release_v{version}",),
        ):
            (n,) = _rows(
                programme.url,
                f"select count(*) from release_v{version}.{table} where participant_id = %s",
                (pid,),
            )[0]
            assert n == 0, (version, table)
        for col in ("mother_id", "father_id"):
            (n,) = _rows(
                programme.url,
                f"select count(*) from release_v{version}.rare_diseases_pedigree_member "
                f"where {col} = %s",
                (pid,),
            )[0]
            assert n == 0
        with psycopg.connect(programme.url) as conn:
            notes = catalogue.notes(conn, version)
        assert [a["participants_removed"] for a in notes.amendments] == [1]
        assert notes.amendments[0]["rows_removed"] >= 2  # participant, participant_summary...
    (audit,) = _rows(
        programme.url,
        "select removed from audit.withdrawals where referral_id = %s",
        (who,),
    )
    assert "release_v1.participant" in audit[0] and "release_v2.participant" in audit[0]


def test_a_released_night_is_not_cut_again(programme: Programme) -> None:
    from orchestration.releases import release_due

    for manual, every in ((True, 0), (False, 1)):
        due = release_due(programme.url, manual=manual, every_days=every)
        assert not due.due and "already in release 2" in due.reason


def test_no_release_of_marts_whose_night_failed_its_checks(programme: Programme) -> None:
    from quality.releases import UnpromotedNight

    with psycopg.connect(programme.url) as conn:
        conn.execute(
            "insert into dq.checkpoint_runs (run_id, stage, started_at, finished_at, "
            "expectations, failed_critical, failed_warning, success) "
            "values ('failed-night', 'marts', now(), now(), 1, 1, 0, false)"
        )
    try:
        with pytest.raises(UnpromotedNight, match="not promoted"):
            create_release(programme.url, build_views=False)
        assert not _rows(
            programme.url,
            "select 1 from information_schema.schemata where schema_name = 'release_v3'",
        )
    finally:
        with psycopg.connect(programme.url) as conn:
            conn.execute("delete from dq.checkpoint_runs where run_id = 'failed-night'")


def test_a_cut_failing_a_critical_check_is_not_published(programme: Programme) -> None:
    """An identifier-shaped value reaching the release (here a referral id planted in a
    mart) fails the release suite: nothing is published and release_latest stays v2."""
    with psycopg.connect(programme.url) as conn:
        (rid, disease) = conn.execute(
            "select referral_id, specific_disease from marts.dim_participant "
            "order by referral_id limit 1"
        ).fetchone()
        conn.execute(
            "update marts.dim_participant set specific_disease = referral_id "
            "where referral_id = %s",
            (rid,),
        )
    try:
        outcome = create_release(programme.url, build_views=False)
        assert not outcome.published
        assert any(
            o.check_id.endswith("no_identifier_shaped_values")
            for o in outcome.report.failed_critical
        )
        assert [r["version"] for r in _rows_dict(programme.url)] == [1, 2]
        assert not _rows(
            programme.url,
            "select 1 from information_schema.schemata where schema_name = 'release_v3'",
        )
        (n,) = _as_researcher(programme.url, "select count(*) from participant")[0]
        (n2,) = _rows(programme.url, "select count(*) from release_v2.participant")[0]
        assert n == n2
    finally:
        with psycopg.connect(programme.url) as conn:
            conn.execute(
                "update marts.dim_participant set specific_disease = %s where referral_id = %s",
                (disease, rid),
            )


def _rows_dict(url: str) -> list[dict]:
    with psycopg.connect(url) as conn:
        return catalogue.releases(conn)
