"""The sequencing provider's genomes: joint-called germline family VCFs, tumour-normal VCFs
and per-sample QC JSON, exactly as feeds.md specifies (bgzipped VCFv4.2 with a tabix index).

A germline file has three kinds of record: the *background* (`background`: the statistics
of a real genome - Ti/Tv ~2.05, indels ~13 %, het/hom-alt ~1.75, Mendelian inheritance -
and only MODIFIER/LOW consequences for rare variants, so nothing in it can be tiered);
*planted* causal variants and *decoys* (`plants`). Everything is derived from `seed` (and,
for the virtual reference, from the position), so the same arguments give byte-identical
files. Files are written through `formats.vcf.VcfWriter` (multi-threaded, timestamp-free
BGZF and a tabix index built from the offsets known while writing), because htslib's
single-threaded level-6 BGZF plus a re-reading `pysam.tabix_index` would take about half of
a whole genome's budget; both are checked against htslib in tests/test_simulator_vcf.py.

Male chrX outside the PARs and chrY are written as diploid homozygous calls (`1/1`, never a
het), the GATK convention; readers should treat a male's non-PAR X `1/1` as hemizygous.
"""

from simulator.genomes.germline import (
    SCALE_DEMO,
    SCALE_WGS,
    SCALES,
    write_germline_vcf,
)
from simulator.genomes.header import vcf_header
from simulator.genomes.plants import HIGH_CONSEQUENCES, MODERATE_CONSEQUENCES
from simulator.genomes.qc import QC_KEYS, qc_metrics
from simulator.genomes.samples import genetic_sex
from simulator.genomes.somatic import CANCER_GENES, write_somatic_vcf

__all__ = [
    "CANCER_GENES",
    "HIGH_CONSEQUENCES",
    "MODERATE_CONSEQUENCES",
    "QC_KEYS",
    "SCALES",
    "SCALE_DEMO",
    "SCALE_WGS",
    "genetic_sex",
    "qc_metrics",
    "vcf_header",
    "write_germline_vcf",
    "write_somatic_vcf",
]
