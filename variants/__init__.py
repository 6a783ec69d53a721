"""Genomes as the programme reads them: `bcftools stats`-compatible summaries, rare-disease
candidates and GEL-style tiering. Pure computation over VCF files (read through
formats.vcf); loading the results into the warehouse is `loaders.genomes`.

Summary: `summary.summarise` (the entry point), `counting` (records -> distinct site
patterns, with `fastcount`'s numpy block counter), `tally` (patterns -> bcftools figures),
`sharding` (one process per group of contigs), `vartype` (htslib's allele classification,
replicated). Tiering: `pedigree` (the family), `candidates` (one pass over the family VCF),
`csq` (VEP CSQ by the header's Format list), `tiering` (tiers from stored candidates and
panels). `bcftools` runs the real bcftools, the tests' oracle.
"""
