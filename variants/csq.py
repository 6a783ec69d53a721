"""Ensembl VEP `CSQ` annotations, read by the header's own `Format:` list.

Why never assume positions: VEP's field order depends on its command line (plugins, --af,
--hgvs...), and the reference files in tests/data show three different layouts. The header
line is the only contract.
"""

from __future__ import annotations

import re

_FORMAT_RE = re.compile(r'Format:\s*([^"]+)"')


class CsqHeaderError(ValueError):
    """The CSQ header line is missing or has no Format list."""


def csq_fields(header_lines: list[str]) -> list[str] | None:
    """The CSQ field names from `##INFO=<ID=CSQ,...,Description="...Format: A|B|...">`.

    Returns None when the file declares no CSQ at all; raises when CSQ is declared but its
    Format list cannot be read (that file cannot be annotated reliably).
    """
    for line in header_lines:
        if line.startswith("##INFO=<ID=CSQ,"):
            m = _FORMAT_RE.search(line)
            if not m:
                raise CsqHeaderError("CSQ header line has no 'Format:' list")
            fields = [f.strip() for f in m.group(1).strip().split("|")]
            if "Consequence" not in fields or "IMPACT" not in fields:
                raise CsqHeaderError("CSQ Format list lacks Consequence or IMPACT")
            return fields
    return None


def parse_csq(value: str, fields: list[str]) -> list[dict[str, str]]:
    """One dict per transcript annotation of a CSQ INFO value (`,`-separated, `|` fields)."""
    out = []
    n = len(fields)
    for entry in value.split(","):
        parts = entry.split("|")
        if len(parts) != n:
            raise ValueError(f"CSQ entry has {len(parts)} fields, header Format lists {n}")
        out.append(dict(zip(fields, parts, strict=True)))
    return out


def vep_allele(ref: str, alt: str, all_alts: list[str]) -> str:
    """The allele string VEP writes in CSQ `Allele` for one ALT.

    VEP trims the first base when every allele of the record shares it (indels), writing
    `-` for an empty result; SNVs and MNPs keep their bases.
    """
    alleles = [ref, *all_alts]
    if len({a[:1] for a in alleles}) == 1 and len({len(a) for a in alleles}) > 1:
        return alt[1:] or "-"
    return alt
