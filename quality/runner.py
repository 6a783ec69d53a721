"""Data-quality checkpoints: run the suites of `expectations/` with Great
Expectations 1.x, store every result in `dq.validation_results`, build Data Docs, and stop
the night when a critical expectation fails.

Nightly order (the Airflow DAG): load -> variants -> run_checkpoint("raw"),
run_checkpoint("genomics") -> dbt build -> run_checkpoint("marts") -> promote_reporting,
the last only when no checkpoint raised. A warning is recorded and shown, never raised.

Why the design is as it is:
- GX is imported only inside the functions below (it takes seconds to import, and the
  DAG files import this module while Airflow parses them).
- One ephemeral GX context per run: no GX state lives in the repository or the warehouse
  apart from the results we write ourselves; the suites are Python (reviewed like code).
- Checks that span tables are SQL. Each such asset is materialised as a view in schema `dq`
  (`dq.asset_*`) for the duration of the run, so GX validates plain table assets (GX wraps
  query assets in a subquery whose alias depends on whether the text contains a JOIN,
  which makes hand-written SQL fragile). The views are dropped at the end of the run so
  they never pin the tables dbt and promotion replace.
- Results are written before anything is raised, so a failed night is fully recorded.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from warehouse.config import state_dir

log = logging.getLogger(__name__)

STAGES = ("raw", "genomics", "marts")
#: Every suite: the nightly stages, and `release`, run on a cut research release before it
#: is published (governance.releases).
SUITES = (*STAGES, "release")
SAMPLE_LIMIT = 20
DATASOURCE = "warehouse"
DOCS_SITE = "gwh_data_docs"
#: GX substitutes ${VAR} in connection strings, so the URL (and any password) never
#: appears in a GX config or in Data Docs.
CONNECTION_ENV = "GWH_DQ_SQLALCHEMY_URL"


class CriticalExpectationFailed(RuntimeError):
    """A critical expectation failed: the night's reporting layer must not be promoted."""

    def __init__(self, report: DqReport) -> None:
        self.report = report
        lines = [
            f"  {o.check_id} [{o.category}]: {o.observed_text()}"
            + (f"; e.g. {_text(o.unexpected_sample[:3])}" if o.unexpected_sample else "")
            for o in report.failed_critical
        ]
        super().__init__(
            f"data-quality checkpoint {report.stage!r} (run {report.run_id}): "
            f"{len(report.failed_critical)} critical expectation(s) failed; reporting "
            "is not promoted:\n" + "\n".join(lines)
        )


@dataclass
class Outcome:
    """One expectation's result, as stored in dq.validation_results."""

    stage: str
    suite: str
    asset: str
    check_id: str
    expectation_type: str
    category: str
    severity: str
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    element_count: int | None = None
    unexpected_sample: list | None = None
    exception: str | None = None

    def observed_text(self) -> str:
        if self.exception:
            return f"error: {self.exception}"
        if self.unexpected_count is not None and self.element_count is not None:
            return f"{self.unexpected_count} of {self.element_count} rows unexpected"
        if self.unexpected_count is not None and self.observed_value is None:
            return f"{self.unexpected_count} unexpected"
        if isinstance(self.observed_value, int) and "unexpected_rows" in self.expectation_type:
            return f"{self.observed_value} offending row(s)"
        return _text(self.observed_value)


@dataclass
class DqReport:
    """What one checkpoint run found."""

    run_id: str
    stage: str
    outcomes: list[Outcome] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    docs_index: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed_critical(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def failed_warning(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def success(self) -> bool:
        return not self.failed_critical

    def counts(self) -> Counter:
        """Expectations by (category, severity)."""
        return Counter((o.category, o.severity) for o in self.outcomes)

    def outcome(self, check_id: str) -> Outcome:
        for o in self.outcomes:
            if o.check_id == check_id:
                return o
        raise KeyError(check_id)


# ---------------------------------------------------------------------------------------
# Suites
# ---------------------------------------------------------------------------------------


def _reporting_integer_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'reporting_build' "
        "and data_type in ('smallint', 'integer', 'bigint') "
        "order by table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for t, c in rows:
        out.setdefault(t, []).append(c)
    return out


def suite_module(stage: str):
    """The suite module `expectations.<stage>` (suites as code, installed with the package)."""
    import importlib

    if stage not in SUITES:
        raise ValueError(f"stage must be one of {SUITES}, got {stage!r}")
    return importlib.import_module(f"quality.expectations.{stage}")


def _release_columns(conn: psycopg.Connection, schema: str) -> dict[str, list[str]]:
    """Every column of a release's tables, and under "<table>:text" its text columns."""
    rows = conn.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position",
        (schema,),
    ).fetchall()
    out: dict[str, list[str]] = {}
    for t, c, data_type in rows:
        out.setdefault(t, []).append(c)
        if data_type == "text":
            out.setdefault(f"{t}:text", []).append(c)
    return out


def build_suites(stage: str, conn: psycopg.Connection, release_schema: str | None = None) -> list:
    """The AssetSuites of one stage (the marts suite reads reporting_build's columns; the
    release suite the cut schema's)."""
    module = suite_module(stage)
    if stage == "marts":
        return module.build(_reporting_integer_columns(conn))
    if stage == "release":
        if release_schema is None:
            raise ValueError("the release suite needs the schema of the cut to check")
        columns = _release_columns(conn, release_schema)
        tables = {t: cols for t, cols in columns.items() if ":" not in t}
        return module.build(
            release_schema, {**tables, **{t: cols for t, cols in columns.items() if ":" in t}}
        )
    return module.build()


def _view_name(suite_name: str) -> str:
    return "asset_" + re.sub(r"[^a-z0-9_]", "_", suite_name.lower())


def _drop_query_assets(conn: psycopg.Connection, suites: list) -> None:
    """Drop the run's dq.asset_* views: left in place they would pin the marts and
    reporting_build tables they read (a plain DROP of those would then fail)."""
    for s in suites:
        if s.query:
            conn.execute(
                sql.SQL("drop view if exists dq.{}").format(sql.Identifier(_view_name(s.name)))
            )


def _relation_exists(conn: psycopg.Connection, qualified: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (qualified,)).fetchone()[0]


def _materialise_query_assets(conn: psycopg.Connection, suites: list) -> dict[str, str]:
    """Create/replace dq.asset_* views; return suite name -> relation (schema.table).

    A query whose tables are missing (e.g. marts before dbt has run) is not an error here:
    its checks are reported as failed with the database's message.
    """
    relations: dict[str, str] = {}
    for s in suites:
        if s.table:
            relations[s.name] = s.table
            continue
        view = _view_name(s.name)
        try:
            with conn.transaction():
                conn.execute(sql.SQL("drop view if exists dq.{}").format(sql.Identifier(view)))
                conn.execute(
                    sql.SQL("create view dq.{} as ").format(sql.Identifier(view))
                    + sql.SQL(s.query)  # suites are code in this repository, not input
                )
        except psycopg.Error as exc:
            log.warning("dq asset %s could not be created: %s", s.name, _first_line(exc))
        relations[s.name] = f"dq.{view}"
    return relations


# ---------------------------------------------------------------------------------------
# Great Expectations
# ---------------------------------------------------------------------------------------


def _sqlalchemy_url(url: str) -> str:
    """A SQLAlchemy URL (psycopg 3 driver) for a libpq URL or conninfo string."""
    from sqlalchemy.engine import URL

    p = conninfo_to_dict(url)
    return URL.create(
        "postgresql+psycopg",
        username=p.get("user"),
        password=p.get("password"),
        host=p.get("host") or "127.0.0.1",
        port=int(p["port"]) if p.get("port") else None,
        database=p.get("dbname"),
    ).render_as_string(hide_password=False)


def _quiet_gx() -> None:
    """GX logs set-up chatter at INFO (and one module pins its own logger to INFO), which
    would bury the run's summary in the CLI and task logs."""
    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _context(url: str, docs_site: Path):
    """A fresh ephemeral GX context with the warehouse datasource and a Data Docs site."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    _quiet_gx()  # again: importing GX's base module pinned its logger to INFO
    os.environ[CONNECTION_ENV] = _sqlalchemy_url(url)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    for name in list(ctx.get_site_names()):  # the ephemeral default writes to a temp dir
        ctx.delete_data_docs_site(name)
    ctx.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_site),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    ds = ctx.data_sources.add_postgres(DATASOURCE, connection_string="${" + CONNECTION_ENV + "}")
    return ctx, ds


def _prepare(ctx, ds, stage: str, suites: list, relations: dict[str, str], missing: set[str]):
    """GX suites, validation definitions and the stage's checkpoint."""
    import great_expectations as gx

    vds = []
    for s in suites:
        if s.name in missing:
            continue
        schema, table = relations[s.name].split(".", 1)
        asset = ds.add_table_asset(s.name, table_name=table, schema_name=schema)
        bd = asset.add_batch_definition_whole_table("whole table")
        suite = ctx.suites.add(gx.ExpectationSuite(name=s.name))
        for c in s.checks:
            suite.add_expectation(c.expectation)
        vds.append(
            ctx.validation_definitions.add(
                gx.ValidationDefinition(name=s.name, data=bd, suite=suite)
            )
        )
    # No UpdateDataDocsAction: it rebuilds the whole site once per validation definition
    # (two thirds of a raw run when measured); validate() builds the docs once instead.
    return ctx.checkpoints.add(
        gx.Checkpoint(
            name=f"gwh_{stage}",
            validation_definitions=vds,
            actions=[],
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_LIMIT},
        )
    )


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(_jsonable(value), sort_keys=True, default=str)


def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return (text.splitlines() or [""])[0][:500]


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _rows_sample(conn: psycopg.Connection, query: str, relation: str) -> list | None:
    """The first offending rows of a failed UnexpectedRowsExpectation (for the result row)."""
    text = query.replace("{batch}", relation)
    try:
        with conn.transaction():
            # No parameters: checks may contain `%` (modulo), which psycopg would read
            # as a placeholder.
            cur = conn.execute(
                sql.SQL("select * from (")
                + sql.SQL(text)
                + sql.SQL(") s limit {}").format(sql.Literal(SAMPLE_LIMIT))
            )
            cols = [d.name for d in cur.description or []]
            return [_jsonable(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]
    except psycopg.Error as exc:
        log.debug("sample query failed: %s", _first_line(exc))
        return None


def _outcomes(stage, suites, relations, missing, checkpoint_result, conn) -> list[Outcome]:
    """Match GX results to the suites' checks (by check id in the expectation meta)."""
    by_suite: dict[str, dict[str, Any]] = {}
    if checkpoint_result is not None:
        for vr in checkpoint_result.run_results.values():
            per = by_suite.setdefault(vr.suite_name, {})
            for er in vr.results:
                per[(er.expectation_config.meta or {}).get("check_id")] = er
    out: list[Outcome] = []
    for s in suites:
        results = by_suite.get(s.name, {})
        for c in s.checks:
            etype = c.expectation.expectation_type
            o = Outcome(stage, s.name, relations.get(s.name, s.table or ""), c.check_id, etype,
                        c.category, c.severity, False)  # fmt: skip
            er = results.get(c.check_id)
            if s.name in missing:
                o.exception = missing[s.name]
            elif er is None:
                o.exception = "no result returned by Great Expectations"
            else:
                info = er.exception_info or {}
                raised = info.get("raised_exception") or any(
                    isinstance(v, dict) and v.get("raised_exception") for v in info.values()
                )
                if raised:
                    msg = info.get("exception_message") or next(
                        (v.get("exception_message") for v in info.values() if isinstance(v, dict)
                         and v.get("exception_message")), "error")  # fmt: skip
                    o.exception = _first_line(msg)
                r = er.result or {}
                o.success = bool(er.success) and not raised
                o.observed_value = _jsonable(r.get("observed_value"))
                o.element_count = _int(r.get("element_count"))
                o.unexpected_count = _int(r.get("unexpected_count"))
                if etype == "unexpected_rows_expectation":
                    o.unexpected_count = _int(r.get("observed_value"))
                    if not o.success and not raised:
                        o.unexpected_sample = _rows_sample(
                            conn, c.sample_query or "", relations[s.name]
                        )
                elif r.get("partial_unexpected_list"):
                    o.unexpected_sample = _jsonable(r["partial_unexpected_list"][:SAMPLE_LIMIT])
            out.append(o)
    return out


def _write(conn: psycopg.Connection, report: DqReport) -> None:
    """One checkpoint_runs row and every outcome (COPY), in one transaction."""
    now = report.finished_at or datetime.now(UTC)
    with conn.transaction():
        conn.execute(
            "insert into dq.checkpoint_runs (run_id, stage, started_at, finished_at, "
            "expectations, failed_critical, failed_warning, success, docs_index) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict (run_id, stage) do update "
            "set started_at = excluded.started_at, finished_at = excluded.finished_at, "
            "expectations = excluded.expectations, failed_critical = excluded.failed_critical, "
            "failed_warning = excluded.failed_warning, success = excluded.success, "
            "docs_index = excluded.docs_index",
            (report.run_id, report.stage, report.started_at, now, len(report.outcomes),
             len(report.failed_critical), len(report.failed_warning), report.success,
             str(report.docs_index) if report.docs_index else None),
        )  # fmt: skip
        conn.execute(
            "delete from dq.validation_results where run_id = %s and stage = %s",
            (report.run_id, report.stage),
        )
        cols = ("run_id, stage, suite, asset, expectation, expectation_type, category, "
                "severity, success, observed_value, unexpected_count, element_count, "
                "unexpected_sample, exception, validated_at")  # fmt: skip
        with conn.cursor().copy(f"copy dq.validation_results ({cols}) from stdin") as cp:
            for o in report.outcomes:
                cp.write_row(
                    (report.run_id, report.stage, o.suite, o.asset, o.check_id,
                     o.expectation_type, o.category, o.severity, o.success,
                     _text(o.observed_value) or None, o.unexpected_count, o.element_count,
                     None if o.unexpected_sample is None
                     else json.dumps(o.unexpected_sample, default=str),
                     o.exception, now)
                )  # fmt: skip


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def default_docs_dir() -> Path:
    return state_dir() / "data_docs"


def validate(
    url: str,
    stage: str,
    run_id: str | None = None,
    docs_dir: Path | None = None,
    release_schema: str | None = None,
) -> DqReport:
    """Run one stage's checkpoint and store its results, without raising on failures.

    `release_schema` names the cut a `release` run checks (that suite is not part of the
    nightly stages: it runs when a release is cut, before it is published)."""
    if stage not in SUITES:
        raise ValueError(f"stage must be one of {SUITES}, got {stage!r}")
    run_id = run_id or new_run_id()
    docs_site = Path(docs_dir or default_docs_dir()) / stage
    docs_site.mkdir(parents=True, exist_ok=True)
    report = DqReport(run_id=run_id, stage=stage, started_at=datetime.now(UTC))
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        # One run of a stage at a time: runs share the dq.asset_* view names.
        conn.execute("select pg_advisory_lock(hashtext(%s))", (f"gwh dq {stage}",))
        _quiet_gx()  # before the suites import GX
        suites = build_suites(stage, conn, release_schema)
        relations = _materialise_query_assets(conn, suites)
        try:
            missing = {
                s.name: f"relation {relations[s.name]} does not exist"
                for s in suites
                if not _relation_exists(conn, relations[s.name])
            }
            t1 = time.perf_counter()
            ctx, ds = _context(url, docs_site)
            checkpoint = _prepare(ctx, ds, stage, suites, relations, set(missing))
            t2 = time.perf_counter()
            result = None
            if checkpoint.validation_definitions:
                import great_expectations as gx

                result = checkpoint.run(run_id=gx.RunIdentifier(run_name=run_id))
                ctx.build_data_docs(site_names=[DOCS_SITE])
            t3 = time.perf_counter()
            report.outcomes = _outcomes(stage, suites, relations, missing, result, conn)
        finally:
            _drop_query_assets(conn, suites)
        index = docs_site / "index.html"
        report.docs_index = index if index.exists() else None
        report.finished_at = datetime.now(UTC)
        _write(conn, report)
    report.seconds = {
        "suites": t1 - t0, "gx_setup": t2 - t1, "validate": t3 - t2,
        "total": time.perf_counter() - t0,
    }  # fmt: skip
    log.info(
        "dq %s run %s: %d expectations, %d critical and %d warning failed (%.1fs)",
        stage, run_id, len(report.outcomes), len(report.failed_critical),
        len(report.failed_warning), report.seconds["total"],
    )  # fmt: skip
    return report


def run_checkpoint(
    url: str, stage: str, run_id: str | None = None, docs_dir: Path | None = None
) -> DqReport:
    """Validate `stage` ("raw", "genomics" or "marts"), record every result in
    dq.validation_results, build Data Docs into docs_dir (default .gwh/data_docs/<stage>),
    then raise CriticalExpectationFailed if any critical expectation failed."""
    report = validate(url, stage, run_id=run_id, docs_dir=docs_dir)
    if report.failed_critical:
        raise CriticalExpectationFailed(report)
    return report


def promote_if_clean(url: str, run_id: str, docs_dir: Path | None = None):
    """The end of a night: the marts checkpoint, then promotion only if it passed.

    Also refuses to promote if an earlier checkpoint of the same run (raw, genomics) failed
    a critical expectation, so a caller cannot promote past a failed night by mistake.
    """
    from warehouse.promote import promote_reporting

    report = run_checkpoint(url, "marts", run_id=run_id, docs_dir=docs_dir)
    with psycopg.connect(url) as conn:
        failed = conn.execute(
            "select stage from dq.checkpoint_runs where run_id = %s and not success",
            (run_id,),
        ).fetchall()
        if failed:
            raise RuntimeError(
                f"run {run_id}: checkpoint(s) {', '.join(r[0] for r in failed)} failed a "
                "critical expectation; reporting is not promoted"
            )
        return report, promote_reporting(conn)
