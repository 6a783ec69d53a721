"""A load killed (SIGKILL) while inside a big file's COPY leaves nothing behind, and the next
run gives exactly the rows of an uninterrupted load."""

from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
from support.feedspec import APC_COLS, apc_row, build_landing
from test_load_core import KEY, assert_reconciled, q

from loaders.ingest import load_landing
from warehouse import db

ROWS = 120_000
ROOT = Path(__file__).resolve().parent.parent

FINGERPRINT = (
    "select count(*), count(distinct source_line), md5(string_agg(concat_ws('|', source_line, "
    "participant_pseudonym, epikey, admidate, diag_4_01, opertn_4_01), ',' "
    "order by source_line)) from raw.hes_apc"
)


def _fresh(server: db.ServerChoice) -> str:
    u = db.with_database(server.url, f"gwh_tkill_{os.getpid()}_{secrets.token_hex(3)}")
    db.ensure_database(u)
    db.init_db(u)
    return u


def _in_copy(url: str, dbname: str) -> bool:
    rows = q(
        url,
        "select p.tuples_processed from pg_stat_progress_copy p "
        "where p.datname = %s and p.relid = 'raw.hes_apc'::regclass",
        (dbname,),
    )
    return bool(rows) and rows[0][0] > 0


def _wait_backend_gone(url: str, dbname: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        n = q(url, "select count(*) from pg_stat_activity where datname = %s and pid <> "
                   "pg_backend_pid()", (dbname,))[0][0]  # fmt: skip
        if n == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the killed loader's backend is still there")


def test_sigkill_inside_copy_then_rerun(pg_server: db.ServerChoice, tmp_path: Path) -> None:
    land = build_landing(tmp_path / "landing", hes_rows=0)
    rng = random.Random(11)
    with land.path("hes/2024-03/hes_apc.txt").open("w") as fh:
        fh.write("|".join(APC_COLS) + "\n")
        for k in range(ROWS):
            p = land.people[k % len(land.people)]
            day = date(2024, 1, 1) + timedelta(days=k % 60)
            fh.write("|".join(apc_row(rng, p, 5_000_000 + k, day)) + "\n")

    killed, clean = _fresh(pg_server), _fresh(pg_server)
    try:
        name = db.database_name(killed)
        code = (
            "import sys; from pathlib import Path; from loaders.ingest import load_landing; "
            "load_landing(Path(sys.argv[1]), sys.argv[2], ['hes'], key=sys.argv[3].encode())"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(land.root), killed, KEY.decode()],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not _in_copy(killed, name):
                assert proc.poll() is None, "the load finished before it could be killed"
                assert time.monotonic() < deadline, "never saw the COPY in progress"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(30)
        assert proc.returncode == -signal.SIGKILL
        _wait_backend_gone(killed, name)

        # nothing of the killed file is visible: no raw rows, no ledger row
        assert q(killed, "select count(*) from raw.hes_apc") == [(0,)]
        assert q(killed, "select count(*) from ledger.files where kind = 'hes_apc'") == [(0,)]

        report = load_landing(land.root, killed, ["hes"], key=KEY)
        apc = [f for f in report.files if f.kind == "hes_apc"][0]
        assert (apc.status, apc.rows_loaded) == ("loaded", ROWS)
        load_landing(land.root, clean, ["hes"], key=KEY)
        got, want = q(killed, FINGERPRINT), q(clean, FINGERPRINT)
        assert got == want and got[0][0] == ROWS and got[0][1] == ROWS
        assert_reconciled(killed)
        with psycopg.connect(killed) as conn:
            status = conn.execute(
                "select status, rows_delivered from ledger.files where kind = 'hes_apc'"
            ).fetchall()
        assert status == [("loaded", ROWS)]
    finally:
        db.drop_database(killed)
        db.drop_database(clean)
