"""Modes of inheritance (as PanelApp publishes them) and the segregation patterns a variant
can follow in a family (domain.md, "Rare-disease tiering").

Tiering decides which pattern a family's genotypes show and whether the panel's mode of
inheritance admits it; the simulator plants variants that follow a pattern. Both use these
strings, which also travel as data (raw.variant_tiers.segregation, the ground truth).
"""

from __future__ import annotations

#: PanelApp's mode-of-inheritance strings.
MOI_MONOALLELIC = "MONOALLELIC, autosomal or pseudoautosomal, imprinted status unknown"
MOI_BIALLELIC = "BIALLELIC, autosomal or pseudoautosomal"
MOI_XLINKED = "X-LINKED: hemizygous mutation in males, biallelic mutations in females"
MOI_BOTH = "BOTH monoallelic and biallelic, autosomal or pseudoautosomal"

#: Segregation patterns.
DE_NOVO = "de_novo"
INHERITED_DOMINANT = "inherited_dominant"
HOMOZYGOUS = "homozygous"
COMPOUND_HET = "compound_heterozygous"
X_HEMIZYGOUS = "x_linked_hemizygous"
#: Every pattern, in the order tiering reports them.
PATTERN_ORDER = (DE_NOVO, INHERITED_DOMINANT, HOMOZYGOUS, COMPOUND_HET, X_HEMIZYGOUS)
