"""Pseudonymisation at the warehouse boundary: NHS number -> `participant_pseudonym`.

The pseudonym is HMAC-SHA256 (hex) of the validated, space-free NHS number under a secret key
held outside the warehouse. Every feed that carries an NHS number (referrals, HES, deaths,
withdrawals) is hashed with the same key, which is what makes them link while no raw table
holds the number itself.

Key lookup order (`resolve_key`): an explicit key argument; env `GWH_PSEUDONYM_KEY`; and only
when running inside Airflow, the Airflow Variable `gwh_pseudonym_key` then the password of
the Connection `gwh_pseudonym`. Airflow is imported lazily, inside the lookup, because DAG
parsing must stay cheap and the CLI must work where Airflow is not configured. Without a key
the loaders refuse to run, unless the caller asks for the published demo key explicitly.
"""

from __future__ import annotations

import hmac
import logging
import os
import sys

log = logging.getLogger(__name__)

ENV_VAR = "GWH_PSEUDONYM_KEY"
#: The published, deliberately non-secret key used only under an explicit demo flag.
DEMO_PSEUDONYM_KEY = "genomics-warehouse-demo-key-NOT-SECRET"
AIRFLOW_VARIABLE = "gwh_pseudonym_key"
AIRFLOW_CONNECTION = "gwh_pseudonym"


class PseudonymKeyMissing(RuntimeError):
    """No pseudonymisation key could be found: loading identifiable feeds is refused."""


def _inside_airflow() -> bool:
    """True when this process is an Airflow task (Airflow sets AIRFLOW_CTX_* for tasks)."""
    return any(k.startswith("AIRFLOW_CTX_") for k in os.environ) or "airflow.sdk" in sys.modules


def _airflow_key() -> str | None:
    """The key from Airflow's Variable or Connection; None when neither holds one."""
    try:
        from airflow.sdk import Connection, Variable  # lazy: only inside Airflow
    except ImportError:
        return None
    try:
        value = Variable.get(AIRFLOW_VARIABLE, default=None)
        if value:
            return str(value)
    except Exception as exc:  # noqa: BLE001 - Airflow raises several lookup error types
        log.debug("no Airflow variable %s: %s", AIRFLOW_VARIABLE, type(exc).__name__)
    try:
        conn = Connection.get(AIRFLOW_CONNECTION)
        if conn is not None and conn.password:
            return str(conn.password)
    except Exception as exc:  # noqa: BLE001
        log.debug("no Airflow connection %s: %s", AIRFLOW_CONNECTION, type(exc).__name__)
    return None


def resolve_key(key: bytes | str | None = None, *, demo: bool = False) -> bytes:
    """The pseudonymisation key, by the lookup order in the module docstring.

    `demo=True` uses `DEMO_PSEUDONYM_KEY` (published, not secret) and warns
    loudly: pseudonyms made with it can be reversed by anyone holding a list of NHS numbers.
    """
    if key:
        return key.encode("utf-8") if isinstance(key, str) else key
    if demo:
        log.warning(
            "USING THE PUBLISHED DEMO PSEUDONYMISATION KEY: pseudonyms are NOT protected; "
            "never use --demo-key with real data"
        )
        return DEMO_PSEUDONYM_KEY.encode("utf-8")
    env = os.environ.get(ENV_VAR)
    if env:
        return env.encode("utf-8")
    if _inside_airflow():
        found = _airflow_key()
        if found:
            return found.encode("utf-8")
    raise PseudonymKeyMissing(
        f"no pseudonymisation key: set {ENV_VAR} (or, under Airflow, the Variable "
        f"'{AIRFLOW_VARIABLE}' or the Connection '{AIRFLOW_CONNECTION}' password); "
        "for a throwaway demo only, pass --demo-key"
    )


class Pseudonymiser:
    """HMAC-SHA256 of NHS numbers with a per-number cache.

    The cache matters for throughput: HES repeats the same participant on many rows, and a
    dict lookup is ~20x cheaper than an HMAC. The cache lives only as long as one load.
    """

    __slots__ = ("_cache", "_key")

    def __init__(self, key: bytes) -> None:
        if not key:
            raise PseudonymKeyMissing("empty pseudonymisation key")
        self._key = key
        self._cache: dict[str, str] = {}

    def __call__(self, nhs_number: str) -> str:
        """The pseudonym of an already validated, space-free NHS number."""
        p = self._cache.get(nhs_number)
        if p is None:
            p = hmac.digest(self._key, nhs_number.encode("ascii"), "sha256").hex()
            self._cache[nhs_number] = p
        return p


def pseudonym(nhs_number: str, key: bytes) -> str:
    """One pseudonym (for tests and ad-hoc linkage checks); loaders use `Pseudonymiser`."""
    return Pseudonymiser(key)(nhs_number)
