"""The programme's shared vocabulary: genes and contigs, gene panels and modes of
inheritance, NHS-number rules, and the reason codes a delivery is quarantined with.

Why a package of its own: the platform (loaders, variants, governance) and the simulator
that stands in for the upstream systems speak the same domain, so its types live once, here,
below both. Nothing in `domain` touches the warehouse, the landing area or Airflow; it reads
only the reference tables shipped beside it (`domain/reference/`, see PROVENANCE.md).
"""
