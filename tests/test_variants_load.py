"""process_genome / retier_all on a real PostgreSQL: exactly-once, quarantine reasons,
re-tiering from stored candidates."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import psycopg
import pytest
from test_variants_tiering import (
    DISEASE,
    ROWS,
    TRIO,
    panel,
    write_family_vcf,
)

from loaders.genomes import process_delivery, process_genome, retier_all

DELIVERY = "sequencing/2026-01-05"
FAMILY = "FAM0000001"
REFERRALS = [
    ("RR00000001", "proband", "affected", "male"),
    ("RR00000002", "mother", "unaffected", "female"),
    ("RR00000003", "father", "unaffected", "male"),
]


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def referrals(warehouse_url: str) -> str:
    """The family's referral rows, as the referrals loader would have stored them."""
    with psycopg.connect(warehouse_url) as conn:
        did = conn.execute(
            "insert into ledger.deliveries (feed, path, delivery_date, gmc_code) values "
            "('referrals', 'referrals/GMA/2026-01-01', '2026-01-01', 'GMA') "
            "returning delivery_id"
        ).fetchone()[0]
        fid = conn.execute(
            "insert into ledger.files (delivery_id, feed, kind, path, sha256, status) values "
            "(%s, 'referrals', 'participants', 'referrals/GMA/2026-01-01/participants.csv', "
            "'0', 'loaded') returning file_id",
            (did,),
        ).fetchone()[0]
        with (
            conn.cursor() as cur,
            cur.copy(
                "copy raw.referrals_participants (ledger_file_id, source_line, delivery_date, "
                "referral_id, gmc_code, participant_pseudonym, year_of_birth, age_at_referral, "
                "sex, family_id, relationship_to_proband, affection_status, programme, "
                "disease_group, specific_disease, referral_date, consent_status) from stdin"
            ) as cp,
        ):
            for i, (rid, rel, aff, sex) in enumerate(REFERRALS, start=2):
                cp.write_row(
                    [
                        fid,
                        i,
                        date(2026, 1, 1),
                        rid,
                        "GMA",
                        f"pseudo{i}",
                        1990,
                        30,
                        sex,
                        FAMILY,
                        rel,
                        aff,
                        "rare_disease",
                        "Neurology",
                        DISEASE,
                        date(2025, 12, 1),
                        "consented",
                    ]
                )
        conn.commit()
    return warehouse_url


def make_delivery(landing: Path) -> Path:
    d = landing / DELIVERY
    d.mkdir(parents=True)
    good = write_family_vcf(d / f"{FAMILY}.vcf.gz", TRIO, ROWS)
    (d / f"{FAMILY}.vcf").unlink()
    # truncated copy
    cut = d / "FAM0000002.vcf.gz"
    data = good.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    # contigs outside GRCh38
    alien = write_family_vcf(d / "FAM0000003.vcf.gz", TRIO, ROWS[:2])
    text = alien.with_suffix("").read_text().replace("chr2\t", "chr2_KI270894v1_alt\t")
    text = text.replace("##contig=<ID=chr2>", "##contig=<ID=chr2_KI270894v1_alt>")
    alien.with_suffix("").write_text(text)
    import pysam

    pysam.tabix_compress(str(alien.with_suffix("")), str(alien), force=True)
    pysam.tabix_index(str(alien), preset="vcf", force=True)
    alien.with_suffix("").unlink()
    # plain gzip with an index beside it
    plain = d / "FAM0000004.vcf.gz"
    with gzip.open(plain, "wb") as out:
        out.write(gzip.decompress(good.read_bytes()))
    shutil.copy(str(good) + ".tbi", str(plain) + ".tbi")
    # broken header
    broken = d / "FAM0000005.vcf.gz"
    raw = gzip.decompress(good.read_bytes()).decode().replace("#CHROM\tPOS", "#CHROM POS")
    broken.write_bytes(pysam_bgzip(raw))
    # feeds.md: one manifest row per file. A joint VCF's row names the proband; the other
    # members' platekeys come from the rows of their QC files.
    lines = ["platekey,referral_id,family_id,sample_type,file_name,file_type,genome_build,sha256"]
    for f in (good, cut, alien, plain, broken):
        fam = f.name.split(".")[0]
        lines.append(f"{TRIO[0]},{REFERRALS[0][0]},{fam},germline,{f.name},vcf,GRCh38,{sha(f)}")
    for pk, (rid, _rel, _aff, sex) in zip(TRIO, REFERRALS, strict=True):
        qc = write_qc(d, pk, sex)
        lines.append(f"{pk},{rid},{FAMILY},germline,{qc.name},qc,GRCh38,{sha(qc)}")
    (d / "manifest.csv").write_text("\n".join(lines) + "\n")
    (d / "_SUCCESS").write_text("")
    return d


def write_qc(folder: Path, platekey: str, sex: str) -> Path:
    """A `<platekey>.qc.json` as feeds.md specifies it."""
    path = folder / f"{platekey}.qc.json"
    doc = {
        "platekey": platekey,
        "mean_coverage": 34.2,
        "pct_bases_ge_15x": 97.1,
        "contamination_fraction": 0.002,
        "reported_sex": sex,
        "inferred_sex": sex,
        "insert_size_median": 470,
        "reads_mapped_pct": 99.2,
    }
    path.write_text(json.dumps(doc))
    return path


def pysam_bgzip(text: str) -> bytes:
    import tempfile

    import pysam

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "x.vcf", Path(tmp) / "x.vcf.gz"
        src.write_text(text)
        pysam.tabix_compress(str(src), str(dst))
        return dst.read_bytes()


def test_delivery_loads_good_genome_and_quarantines_bad_ones(referrals: str, tmp_path: Path):
    url = referrals
    landing = tmp_path / "landing"
    d = make_delivery(landing)
    results = {r.file_name: r for r in process_delivery(url, landing, d, panels=[panel("1.0")])}
    good = results[f"{FAMILY}.vcf.gz"]
    assert good.status == "loaded" and good.records == len(ROWS)
    assert good.tiers == {1: 4, 2: 2, 3: 2}
    assert results["FAM0000002.vcf.gz"].reason == "unreadable_gzip"
    assert results["FAM0000003.vcf.gz"].reason == "contig_not_in_build"
    assert results["FAM0000004.vcf.gz"].reason == "not_bgzf"
    assert results["FAM0000005.vcf.gz"].reason == "broken_vcf_header"

    with psycopg.connect(url) as conn:
        q = conn.execute
        fid = good.file_id
        assert q(
            "select records, snvs, samples_ok from (select records, snvs, "
            "n_samples = 3 as samples_ok from raw.variant_summaries "
            "where ledger_file_id = %s) s",
            (fid,),
        ).fetchone() == (len(ROWS), 13, True)
        assert (
            q(
                "select count(*) from raw.variant_sample_stats where ledger_file_id = %s "
                "and referral_id is not null",
                (fid,),
            ).fetchone()[0]
            == 3
        )
        assert q(
            "select sum(records) from raw.variant_contig_counts where ledger_file_id = %s", (fid,)
        ).fetchone()[0] == len(ROWS)
        tiers = q(
            "select pos, tier, segregation, panel_version from raw.variant_tiers "
            "where ledger_file_id = %s and tier < 3 order by pos",
            (fid,),
        ).fetchall()
        assert (165991000, 1, "de_novo", "1.0") in tiers
        # bad files: quarantined whole, nothing of theirs in raw
        bad = q(
            "select f.path, qf.reason from quarantine.files qf join ledger.files f "
            "on f.file_id = qf.ledger_file_id where f.path like %s",
            (f"{DELIVERY}/%",),
        ).fetchall()
        assert len(bad) == 4
        assert (
            q(
                "select count(*) from raw.variant_summaries s join ledger.files f "
                "on f.file_id = s.ledger_file_id where f.status <> 'loaded'"
            ).fetchone()[0]
            == 0
        )

    # exactly once: a second run reads nothing and writes nothing
    again = process_delivery(url, landing, d, panels=[panel("1.0")])
    assert {r.status for r in again} == {"already_loaded"}
    with psycopg.connect(url) as conn:
        n = conn.execute(
            "select count(*) from raw.variant_summaries s join ledger.files f "
            "on f.file_id = s.ledger_file_id where f.path like %s",
            (f"{DELIVERY}/%",),
        ).fetchone()[0]
    assert n == 1

    # promotion of KCNQ2 to green: re-tier from stored candidates, VCF gone
    (d / f"{FAMILY}.vcf.gz").unlink()
    newly = retier_all(url, [panel("1.0"), panel("1.1", kcnq2_confidence="3")])
    assert [(t.gene_symbol, t.tier, t.segregation, t.panel_version) for t in newly] == [
        ("KCNQ2", 1, "de_novo", "1.1")
    ]
    assert retier_all(url, [panel("1.1", kcnq2_confidence="3")]) == []  # nothing new twice


def test_checksum_mismatch_and_unlisted_file(referrals: str, tmp_path: Path):
    landing = tmp_path / "landing2"
    d = landing / "sequencing/2026-01-06"
    d.mkdir(parents=True)
    vcf = write_family_vcf(d / "FAM0000009.vcf.gz", TRIO, ROWS[:3])
    (d / "FAM0000009.vcf").unlink()
    (d / "manifest.csv").write_text(
        "platekey,referral_id,family_id,sample_type,file_name,file_type,genome_build,sha256\n"
        f"{TRIO[0]},RR00000001,FAM0000009,germline,{vcf.name},vcf,GRCh38,{'0' * 64}\n"
    )
    (d / "_SUCCESS").write_text("")
    res = process_genome(referrals, landing, d, vcf.name, panels=[panel("1.0")])
    assert (res.status, res.reason) == ("quarantined", "checksum_mismatch")
    res = process_genome(referrals, landing, d, "other.vcf.gz", panels=[panel("1.0")])
    assert res.status == "not_in_manifest"  # only an accepted manifest row names a genome
