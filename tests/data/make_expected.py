"""Regenerate the committed bcftools expectations beside the reference VCFs.

Run from the repository root once bcftools is installed:
    .venv/bin/python tests/data/make_expected.py
Each `<file>.bcftools_stats.json` holds `bcftools stats -s -` SN/TSTV/PSC figures under
`summarise`'s key names, plus the bcftools version that produced them.
"""

from __future__ import annotations

import json
from pathlib import Path

from variants import bcftools

HERE = Path(__file__).resolve().parent
FILES = [
    "trio_freebayes_b37.vcf.gz",
    "exac_sites_vep_csq.vcf.gz",
    "gnomad_genomes_sites.vcf.gz",
    "gatk_banded_gvcf.vcf",
    "edge_cases.vcf",
    "edge_cases.vcf.gz",
    "edge_cases.bcf",
]

if __name__ == "__main__":
    for name in FILES:
        got = bcftools.stats(HERE / name)
        got["bcftools_version"] = bcftools.version()
        out = HERE / f"{name}.bcftools_stats.json"
        out.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"wrote {out.name}")
