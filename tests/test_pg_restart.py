"""PostgreSQL stops mid-night (an immediate shutdown, as in a crash or a failover) while a
load and a genome are each inside their file's transaction, at their COPY; it comes back,
the night is rerun, and the warehouse equals that of an uninterrupted night: nothing
duplicated, nothing lost, no half-recorded file.

Both are held at the right moment by the test itself: it holds the lock of the raw table
each one writes (raw.hes_apc, raw.variant_summaries), so the load's HES file and the
summarised genome wait there, their ledger rows inserted and their transactions open, and
the stop comes then, whatever the machine's speed.

Runs on an embedded server of its own (the `pgserver` wheel), since the test stops it.
"""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pgserver
import psycopg
import pytest
from pgserver._commands import pg_ctl
from support.feedspec import APC_COLS, apc_row, build_landing, sha256
from support.warehouse_build import table_digests

from formats.bgzf import BgzfWriter
from loaders.genomes import pending_genomes, process_genomes
from loaders.ingest import load_landing
from simulator.genomes.background import CSQ_FIELDS
from warehouse import db

pytestmark = pytest.mark.e2e  # starts, stops and restarts a server of its own: ~1 min

HES_ROWS = 20_000
VCF_RECORDS = 20_000
ROOT = Path(__file__).resolve().parent.parent
#: What depends on when, not what, was loaded (timestamps are left out by table_digests).
SKIP = frozenset(
    {"ledger_file_id", "file_id", "delivery_id", "quarantine_id", "row_id", "duplicate_of"}
)
#: ledger.files.error is compared on its own, its file ids masked (see the test).
DIGEST_SKIP = SKIP | {"error"}

LOAD = "import sys; from loaders.ingest import load_landing; load_landing(sys.argv[1], sys.argv[2])"
GENOMES = (
    "import sys, psycopg; from loaders.genomes import pending_genomes, process_genomes\n"
    "with psycopg.connect(sys.argv[2]) as c: refs = pending_genomes(c)\n"
    "process_genomes(sys.argv[2], sys.argv[1], refs)"
)


@pytest.fixture
def server() -> pgserver.PostgresServer:
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    base = Path(tempfile.mkdtemp(prefix="gwh-restart-"))
    base.chmod(0o755)  # the server runs as its own system user when the tests run as root
    srv = pgserver.get_server(base / "pgdata", cleanup_mode="delete")
    yield srv
    # pgserver stops only the postmaster it started; the one started again here is ours
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=srv.pgdata, user=srv.system_user, timeout=120)
    except subprocess.CalledProcessError:
        pass  # not running (the test failed before starting it again)
    srv.cleanup()
    base.rmdir()


def _genome(path: Path, sample: str) -> None:
    """A BGZF VCF big enough to take a few seconds to summarise."""
    rng = random.Random(3)
    head = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n"
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {"|".join(CSQ_FIELDS)}">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n"
    )
    lines = [head]
    for i in range(VCF_RECORDS):
        ref, alt = rng.sample("ACGT", 2)
        gt = rng.choice(["0/1", "1/1", "0/1"])
        lines.append(f"chr1\t{1000 + 37 * i}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT:DP\t{gt}:30\n")
    with BgzfWriter(path) as w:
        w.write("".join(lines).encode())


def _landing(root: Path) -> Path:
    land = build_landing(root, hes_rows=0)
    rng = random.Random(11)
    apc = land.path("hes/2024-03/hes_apc.txt")
    with apc.open("w", encoding="utf-8") as fh:
        fh.write("|".join(APC_COLS) + "\n")
        for k in range(HES_ROWS):
            person = land.people[k % len(land.people)]
            day = date(2023, 1, 1) + timedelta(days=k % 400)
            fh.write("|".join(apc_row(rng, person, 500000 + k, day)) + "\n")
    seq = land.path("sequencing/2024-02-01")
    vcf = next(iter(sorted(seq.glob("*.vcf.gz"))))
    old = sha256(vcf)
    _genome(vcf, vcf.name.removesuffix(".vcf.gz"))
    vcf.with_name(vcf.name + ".tbi").unlink()  # feedspec's placeholder index
    manifest = seq / "manifest.csv"
    manifest.write_text(manifest.read_text().replace(old, sha256(vcf), 1))  # its row only
    return land.root


def _night(landing: Path, url: str) -> None:
    """What a night does, in order: every feed, then the genomes its manifests name."""
    load_landing(landing, url)
    with psycopg.connect(url) as conn:
        refs = pending_genomes(conn)
    process_genomes(url, landing, refs)


def _start_again(server: pgserver.PostgresServer) -> None:
    """Start the stopped server as pgserver does, with time for its crash recovery (WAL
    replay after the immediate stop takes longer than pgserver's own 10 s on a busy
    machine)."""
    socket_dir = server.get_uri().split("host=", 1)[1].split("&", 1)[0]
    args = ["-w", "-t", "300", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log)]
    pg_ctl([*args, "start"], pgdata=server.pgdata, user=server.system_user, timeout=320)


def _rows_differ(a: str, b: str, table: str) -> list:
    """The rows of `table` in one database only (for the failure message)."""
    rows = []
    for url in (a, b):
        with psycopg.connect(url) as conn:
            cur = conn.execute(f"select * from {table}")
            cols = [c.name for c in cur.description]
            rows.append({tuple((c, v) for c, v in zip(cols, r, strict=True)
                               if c not in SKIP and "_at" not in c) for r in cur})  # fmt: skip
    return sorted(rows[0] ^ rows[1], key=str)


def _both_waiting(url: str) -> bool:
    """The load and the genome step each wait for the table the test holds."""
    with psycopg.connect(url) as conn:
        waiting = conn.execute(
            "select count(distinct l.pid) from pg_locks l "
            "where not l.granted and l.relation in "
            "('raw.hes_apc'::regclass, 'raw.variant_summaries'::regclass)"
        ).fetchone()[0]
    return waiting == 2


def test_warehouse_survives_a_postgres_restart_mid_night(server, tmp_path: Path) -> None:
    landing = _landing(tmp_path / "landing")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the session's pseudonymisation key too
    admin = server.get_uri("postgres")
    reference = db.with_database(admin, "gwh_reference")
    night = db.with_database(admin, "gwh_night")
    for url in (reference, night):
        db.ensure_database(url)
        db.init_db(url)
    _night(landing, reference)
    # the interrupted night: manifests first (so a genome is pending), then the genome step
    # and the rest of the load at once
    load_landing(landing, night, ["sequencing"])
    holder = psycopg.connect(night)
    holder.execute("lock table raw.hes_apc, raw.variant_summaries in access exclusive mode")
    genomes = subprocess.Popen([sys.executable, "-c", GENOMES, str(landing), night],
                               cwd=ROOT, env=env, stderr=subprocess.PIPE)  # fmt: skip
    load = subprocess.Popen([sys.executable, "-c", LOAD, str(landing), night],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 300
    while not _both_waiting(night):
        assert load.poll() is None and genomes.poll() is None, "one finished before the stop"
        assert time.monotonic() < deadline, "never both in flight"
        time.sleep(0.1)
    pg_ctl(["-w", "-m", "immediate", "stop"], pgdata=server.pgdata, user=server.system_user)
    holder.close()
    load_err = load.communicate(timeout=60)[1].decode()
    genome_err = genomes.communicate(timeout=60)[1].decode()
    assert load.returncode != 0 and genomes.returncode != 0
    assert "OperationalError" in load_err, load_err[-2000:]
    assert "OperationalError" in genome_err, genome_err[-2000:]
    _start_again(server)
    # nothing of either file was recorded: no ledger row, no raw row
    with psycopg.connect(night) as conn:
        assert conn.execute("select count(*) from raw.hes_apc").fetchone() == (0,)
        assert conn.execute("select count(*) from raw.variant_summaries").fetchone() == (0,)
        assert conn.execute(
            "select count(*) from ledger.files where path like '%%hes_apc.txt' "
            "or path like '%%.vcf.gz'"
        ).fetchone() == (0,)
    _night(landing, night)
    schemas = ("raw", "quarantine", "ledger")
    want = table_digests(reference, schemas, skip_columns=DIGEST_SKIP)
    got = table_digests(night, schemas, skip_columns=DIGEST_SKIP)
    # a duplicate's message names the first file by its id, which depends on load order
    for digests, url in ((want, reference), (got, night)):
        with psycopg.connect(url) as conn:
            digests["ledger.files.error"] = conn.execute(
                "select string_agg(regexp_replace(error, '\\(file \\d+\\)', '(file N)'), '|' "
                "order by path, status) from ledger.files"
            ).fetchone()[0]
    differ = sorted(t for t in want if got.get(t) != want[t])
    assert differ == [], {t: _rows_differ(reference, night, t) for t in differ}
    assert int(want["raw.hes_apc"].split(":")[0]) == HES_ROWS
    assert int(want["raw.variant_summaries"].split(":")[0]) == 1
