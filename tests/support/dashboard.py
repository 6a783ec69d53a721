"""Helpers for the dashboard tests: a small demo warehouse, the served app and Chromium.

Kept out of conftest.py because only the dashboard tests need them. The warehouse is built
the way the nightly pipeline builds it (simulate → load → variants load → dbt build →
promote), so the browser test sees real, disclosure-controlled figures.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

from warehouse import db
from warehouse.config import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "dashboard"
CHROMIUM = "/usr/bin/chromium"
#: Flags for Debian's chromium in a sandboxless container; without the background-networking
#: ones Chromium's own connections are refused here and page loads stall.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def build_demo_warehouse(
    server_url: str, workdir: Path, participants: int, seed: int, defects: float = 0.01
) -> str:
    """A fresh database holding `participants` simulated over 3 nights, fully built.

    A small defect rate plants specification breaches, so the data-quality section has
    quarantined rows and failed checks to show. The night runs like the DAG's (load →
    variants → dbt → checkpoints → promote) except that it publishes whatever the
    checkpoints say, because the dashboard must also display a failing night's checks. The
    warehouse's own data tests are not this test's subject (their own tests run them); the
    reporting layer's tests, which guard what the dashboard shows, do run.
    """
    from gwh.cli import main as gwh
    from loaders.ingest.runner import load_landing
    from quality import runner as dq
    from simulator.simulate import simulate
    from warehouse.dbt_runner import run_dbt
    from warehouse.promote import promote_reporting

    url = db.with_database(server_url, f"gwh_dash_{os.getpid()}_{secrets.token_hex(3)}")
    db.ensure_database(url)
    db.init_db(url)
    sim = workdir / "sim"
    simulate(sim, participants=participants, seed=seed, nights=3, defects=defects, progress=False)
    load_landing(sim / "landing", url)
    if gwh(["variants", "load", str(sim / "landing"), "--url", url]) != 0:
        raise RuntimeError("gwh variants load failed")
    # A private target path: other dbt runs in this checkout must not share compiled state.
    target = workdir / "dbt-target"
    run_dbt(["build", "--exclude-resource-type", "test"], url, target_path=target)
    run_dbt(["test", "--select", "path:models/reporting"], url, target_path=target)
    run_id = f"night-{seed}"
    for stage in dq.STAGES:
        dq.validate(url, stage, run_id=run_id, docs_dir=workdir / "data-docs")
    # The checkpoint results reach `reporting` through their dbt models.
    run_dbt(
        [
            "run",
            "--select",
            "+rpt_dq_checkpoint_summary",
            "+rpt_dq_open_failures",
            "--exclude",
            "resource_type:snapshot",
        ],
        url,
        target_path=target,
    )
    with psycopg.connect(url) as conn:
        promote_reporting(conn)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DashboardServer:
    """`python -m dashboards` in a subprocess on a free localhost port."""

    def __init__(self, url: str, *role_args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.log = tempfile.NamedTemporaryFile(prefix="dashboard-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dashboards",
                "--port",
                str(self.port),
                "--url",
                url,
                *role_args,
            ],
            cwd=PROJECT_ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dashboard exited early:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise TimeoutError(f"dashboard did not answer on {self.base}:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
