"""The vocabulary the suites are written in: a tagged check and the asset it runs on.

Why a thin layer over Great Expectations: every check must carry its Kahn category and its
severity (after OHDSI's Data Quality Dashboard) and a stable identifier that
results, tests and ground_truth/dq_defects.csv refer to. GX 1.x has a native `severity`
field (critical / warning); the category and the identifier travel in the expectation's
`meta`. GX itself is imported lazily (inside `build()` of each suite module), because it
takes seconds to import and Airflow parses the DAGs that import quality.runner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("conformance", "completeness", "plausibility")
SEVERITIES = ("critical", "warning")
STAGES = ("raw", "genomics", "marts")


@dataclass
class Check:
    """One expectation with its tags. `expectation` is a GX Expectation instance."""

    check_id: str  # stable name, e.g. "raw.sequencing_qc.coverage_usable"
    category: str
    severity: str
    expectation: Any
    sample_query: str | None = None  # an SQL check as written (`{batch}` = the relation)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.check_id}: category {self.category!r} not in {CATEGORIES}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.check_id}: severity {self.severity!r} not in {SEVERITIES}")


@dataclass
class AssetSuite:
    """The checks on one table (or one SQL query over several tables).

    Exactly one of `table` ("schema.name") and `query` is set. A query asset is how checks
    that span tables (reconciliation, rates per GMC) become one GX batch.
    """

    name: str  # GX suite name: "<stage>.<asset>"
    table: str | None = None
    query: str | None = None
    checks: list[Check] = field(default_factory=list)

    def __post_init__(self) -> None:
        if (self.table is None) == (self.query is None):
            raise ValueError(f"{self.name}: set exactly one of table and query")

    def add(self, check_id: str, category: str, severity: str, expectation_cls: Any, **kw) -> None:
        """Add a check; the id is prefixed with the suite name so ids are globally unique."""
        full = f"{self.name}.{check_id}"
        written = kw.get("unexpected_rows_query")
        if written is not None:
            kw["unexpected_rows_query"] = gx_query(written)
        exp = expectation_cls(
            **kw,
            severity=severity,
            meta={"check_id": full, "category": category},
        )
        self.checks.append(Check(full, category, severity, exp, written))


_JOIN = re.compile(r"\bjoin\b", re.IGNORECASE)
_BATCH_ALIAS = re.compile(r"\{batch\}\s+(?:as\s+)?([a-z_][a-z0-9_]*)\b", re.IGNORECASE)
_NOT_ALIASES = {"where", "group", "order", "limit", "having", "join", "cross", "left", "inner",
                "on", "union", "window"}  # fmt: skip


def gx_query(query: str) -> str:
    """Adapt an SQL check to how GX 1.24 substitutes `{batch}`.

    Checks are written with every `{batch}` given a table alias (`from {batch} b`), which
    is plain SQL anyone can run. GX renders `{batch}` as a derived table: left bare when the
    query contains JOIN (the alias is then the author's), but given the alias `subselect`
    otherwise, where a second alias would be a syntax error. So in a query without JOIN the
    author's alias is dropped and its references renamed to `subselect`.
    """
    if _JOIN.search(query):
        return query
    m = _BATCH_ALIAS.search(query)
    if not m or m.group(1).lower() in _NOT_ALIASES:
        return query
    alias = m.group(1)
    out = _BATCH_ALIAS.sub("{batch}", query, count=1)
    return re.sub(rf"\b{re.escape(alias)}\.", "subselect.", out)


def rows(query: str) -> dict[str, str]:
    """Keyword arguments of an UnexpectedRowsExpectation (a readable shorthand)."""
    return {"unexpected_rows_query": query}
