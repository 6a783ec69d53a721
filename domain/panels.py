"""PanelApp gene panels: a panel version, its genes, their confidence and mode of inheritance.

One definition for everyone who handles panels: the PanelApp loader's readers, tiering
(which applies a panel to a family's candidates), re-analysis, and the simulator that
publishes the snapshots. Shapes follow feeds.md (the PanelApp snapshot JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

#: PanelApp confidence levels: 3 green (diagnostic grade), 2 amber, 1 red.
GREEN, AMBER, RED = "3", "2", "1"


@dataclass(frozen=True)
class PanelGene:
    """One gene of a panel version."""

    gene_symbol: str
    hgnc_id: str
    confidence_level: str  # GREEN | AMBER | RED
    mode_of_inheritance: str

    @property
    def green(self) -> bool:
        return self.confidence_level == GREEN


def version_key(version: str) -> tuple[int, ...]:
    """A PanelApp "major.minor" version as a sortable tuple (1.10 after 1.9)."""
    return tuple(int(x) for x in version.split(".") if x.isdigit())


@dataclass(frozen=True)
class Panel:
    """One version of a panel. Genes keep their published order; `gene()` finds one by
    symbol. Equality and hashing use the identity (id, name, version, disorders) only."""

    id: int
    name: str
    version: str  # PanelApp "major.minor"
    relevant_disorders: tuple[str, ...]
    genes: tuple[PanelGene, ...] = field(hash=False, compare=False)
    _by_symbol: Mapping[str, PanelGene] = field(init=False, repr=False, hash=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "relevant_disorders", tuple(self.relevant_disorders))
        object.__setattr__(self, "genes", tuple(self.genes))
        by_symbol: dict[str, PanelGene] = {}
        for g in self.genes:
            by_symbol.setdefault(g.gene_symbol, g)
        object.__setattr__(self, "_by_symbol", by_symbol)

    def gene(self, symbol: str) -> PanelGene | None:
        """The panel's entry for a gene, or None when the gene is not on the panel."""
        return self._by_symbol.get(symbol)

    def __iter__(self) -> Iterator[PanelGene]:
        return iter(self.genes)

    @classmethod
    def from_json(cls, d: Mapping) -> Panel:
        """A panel from its snapshot JSON object (feeds.md), as loaded or published."""
        genes = tuple(
            PanelGene(
                g["gene_symbol"],
                g.get("hgnc_id", ""),
                str(g["confidence_level"]),
                g.get("mode_of_inheritance", ""),
            )
            for g in d["genes"]
        )
        return cls(
            int(d["id"]), d["name"], str(d["version"]), tuple(d["relevant_disorders"]), genes
        )

    def to_json(self) -> dict:
        """The snapshot JSON object of this panel (the inverse of `from_json`)."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "relevant_disorders": list(self.relevant_disorders),
            "genes": [
                {
                    "gene_symbol": g.gene_symbol,
                    "hgnc_id": g.hgnc_id,
                    "confidence_level": g.confidence_level,
                    "mode_of_inheritance": g.mode_of_inheritance,
                }
                for g in self.genes
            ],
        }


def latest_panels(panels: Iterable[Panel | Mapping]) -> list[Panel]:
    """The newest version of each panel id (versions only grow, so the newest wins)."""
    best: dict[int, Panel] = {}
    for p in panels:
        p = p if isinstance(p, Panel) else Panel.from_json(p)
        cur = best.get(p.id)
        if cur is None or version_key(p.version) > version_key(cur.version):
            best[p.id] = p
    return sorted(best.values(), key=lambda p: p.id)
