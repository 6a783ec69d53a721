"""Run `bcftools stats -s -` and read its SN/TSTV/PSC sections into `summarise`'s keys.

Used as the independent oracle: by the tests (to compute committed expected values and to
check generated genomes live) and by bench/summarise_throughput.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess

SN_KEYS = {
    "number of records:": "records",
    "number of no-ALTs:": "no_alts",
    "number of SNPs:": "snvs",
    "number of MNPs:": "mnps",
    "number of indels:": "indels",
    "number of others:": "others",
    "number of multiallelic sites:": "multiallelic_sites",
    "number of multiallelic SNP sites:": "multiallelic_snv_sites",
}
PSC_KEYS = [
    "ref_hom",
    "non_ref_hom",
    "het",
    "transitions",
    "transversions",
    "indels",
    "mean_depth",
    "singletons",
    "haploid_ref",
    "haploid_alt",
    "missing",
]


def available() -> bool:
    return shutil.which("bcftools") is not None


def version() -> str:
    out = subprocess.run(["bcftools", "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


def parse_stats(text: str) -> dict:
    """SN, TSTV and PSC of `bcftools stats` output as a dict with summarise's key names."""
    out: dict = {"samples": {}}
    for line in text.splitlines():
        f = line.split("\t")
        if f[0] == "SN" and f[2] in SN_KEYS:
            out[SN_KEYS[f[2]]] = int(f[3])
        elif f[0] == "TSTV":
            out["transitions"] = int(f[2])
            out["transversions"] = int(f[3])
            out["ts_tv"] = float(f[4])
        elif f[0] == "PSC":
            vals = {}
            for k, v in zip(PSC_KEYS, f[3:], strict=True):
                vals[k] = float(v) if k == "mean_depth" else int(v)
            out["samples"][f[2]] = vals
    return out


def stats(path: str | os.PathLike) -> dict:
    """Run `bcftools stats -s -` on a file and parse it."""
    res = subprocess.run(
        ["bcftools", "stats", "-s", "-", str(path)], capture_output=True, text=True
    )
    if res.returncode != 0 and "No sample columns" in res.stderr:
        # a sites-only VCF: `-s -` is refused, the file-level figures are still wanted
        res = subprocess.run(["bcftools", "stats", str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"bcftools stats failed on {path}: {res.stderr.strip()}")
    return parse_stats(res.stdout)
