"""Germline variant files: `bcftools stats`-compatible summaries, candidate extraction and
GEL-style rare-disease tiering, and their loading into the warehouse raw layer.

Modules: `vartype` (htslib's allele classification, replicated), `stats` (one streaming pass,
optionally sharded by contig), `csq` (VEP CSQ by the header's Format list), `tiering`
(candidates from a family VCF, tiers from stored candidates), `load` (raw tables, ledger,
quarantine), `cli` (`gwh summarise`, `gwh tier`).
"""
