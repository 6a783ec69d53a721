"""docker-compose.yml, checked structurally (Docker does not run on the CI machine).

The file must describe the production shape (PostgreSQL with separate Airflow and warehouse
databases, Redis, the Airflow services, scalable Celery workers, an init service), run only
commands that exist in this project, and take every secret from the uncommitted .env.
"""

from __future__ import annotations

import os
import re
import shlex

import pytest
import yaml

from warehouse.config import PROJECT_ROOT

pytestmark = pytest.mark.airflow

os.environ.setdefault("AIRFLOW_HOME", str(PROJECT_ROOT / ".gwh" / "airflow"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _command(service: dict) -> list[str]:
    cmd = service["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def _shell_steps(cmd: list[str]) -> list[list[str]]:
    """`bash -c "a && b"` -> [[a...], [b...]]; a plain command -> [cmd]."""
    if cmd[:2] == ["bash", "-c"]:
        return [shlex.split(part) for part in cmd[2].split("&&")]
    return [cmd]


def test_services_are_the_production_shape(compose) -> None:
    services = compose["services"]
    assert set(services) == {"warehouse-db", "redis", "dashboard", *AIRFLOW_SERVICES}
    assert services["warehouse-db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in AIRFLOW_SERVICES:
        s = services[name]
        assert s["image"] == "genomics-warehouse:latest" and s["build"] == ".", name
        assert s["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert s["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:"), name
        deps = s["depends_on"]
        assert deps["warehouse-db"]["condition"] == "service_healthy", name
        if name != "airflow-init":
            assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
    worker = services["airflow-worker"]
    # scalable with --scale: no fixed name, no host port
    assert "container_name" not in worker and "ports" not in worker
    assert (PROJECT_ROOT / "Dockerfile").is_file()


def test_airflow_and_warehouse_use_separate_databases(compose) -> None:
    env = compose["services"]["airflow-scheduler"]["environment"]
    airflow_db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
    warehouse_db = env["WAREHOUSE_URL"].rsplit("/", 1)[1]
    assert airflow_db == compose["services"]["warehouse-db"]["environment"]["POSTGRES_DB"]
    assert airflow_db != warehouse_db == "gwh"
    assert env["GWH_ASSET_NAMESPACE"].endswith("/" + warehouse_db)


def test_every_command_exists_in_the_project(compose) -> None:
    from airflow.cli.cli_parser import get_parser

    from gwh.cli import build_parser

    airflow_parser = get_parser()
    gwh_parser = build_parser()
    seen = set()
    for name in AIRFLOW_SERVICES:
        for step in _shell_steps(_command(compose["services"][name])):
            seen.add(" ".join(step[:2]))
            if step[0] == "gwh":
                gwh_parser.parse_args(step[1:])
            elif step[:2] == ["airflow", "celery"]:
                # The Celery CLI comes from the Celery provider (in uv.lock), registered by
                # CeleryExecutor: the sub-command must be one it really offers.
                from airflow.providers.celery.executors.celery_executor import CeleryExecutor

                offered = {
                    sub.name
                    for group in CeleryExecutor.get_cli_commands()
                    for sub in group.subcommands
                }
                assert step[2] in offered, step
            else:
                assert step[0] == "airflow", step
                airflow_parser.parse_args(step[1:])
    assert {"airflow api-server", "airflow scheduler", "airflow dag-processor"} <= seen
    assert {"airflow triggerer", "airflow celery", "gwh db", "airflow db"} <= seen
    init = " ".join(_command(compose["services"]["airflow-init"]))
    from orchestration.policy import WRITERS_POOL

    assert f"pools set {WRITERS_POOL}" in init


def test_landing_and_outbox_are_shared_volumes(compose) -> None:
    volumes = set(compose["volumes"])
    assert {"landing", "outbox", "pgdata"} <= volumes
    for name in AIRFLOW_SERVICES:
        s = compose["services"][name]
        mounts = dict(v.split(":", 1) for v in s["volumes"])
        assert mounts["landing"] == s["environment"]["GWH_LANDING"], name
        assert mounts["outbox"] == s["environment"]["GWH_OUTBOX"], name
    assert compose["services"]["warehouse-db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]


def test_secrets_come_from_the_uncommitted_env_file(compose) -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    declared = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, flags=re.M))
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert used and used <= declared, f"not in .env.example: {sorted(used - declared)}"
    for name in AIRFLOW_SERVICES | {"warehouse-db"}:
        env = compose["services"][name]["environment"]
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|FERNET|PSEUDONYM_KEY", key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", str(value)), (name, key)
    # credentials inside URLs are references too, never literals
    for url in re.findall(r"[a-z+]+://[^\s\"']+@", text):
        assert "${" in url or ":" not in url.split("://", 1)[1], url
    for name in AIRFLOW_SERVICES:
        assert compose["services"][name]["env_file"] == ".env"
    gitignore = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore
    assert not re.search(r"^(GWH_PSEUDONYM_KEY|POSTGRES_PASSWORD)=\S", example, flags=re.M)


def test_dashboard_service_serves_the_project_dashboard(compose) -> None:
    """The dashboard runs this project's app with arguments its own parser accepts, on the
    image the Airflow services use, after the warehouse exists."""
    from dashboards.__main__ import build_parser

    service = compose["services"]["dashboard"]
    command = _command(service)
    assert command[:3] == ["python", "-m", "dashboards"]
    args = build_parser().parse_args(command[3:])
    assert args.host == "0.0.0.0" and args.port == 8050
    assert "8050:8050" in service["ports"]
    assert service["image"] == compose["services"]["airflow-worker"]["image"]
    assert "WAREHOUSE_URL" in service["environment"]
    assert "airflow-init" in service["depends_on"]
