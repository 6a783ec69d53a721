"""The programme simulator: a stand-in for 13 GMCs, the sequencing provider, NHS England
HES, ONS and PanelApp, writing a landing area exactly as `feeds.md` specifies, plus a
ground-truth folder beside it that tests use as their oracle."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """`loaders.simulator.simulate` without importing the generator at package import
    (reference_data imports model.py from this package, and the generator imports
    reference_data: a lazy attribute breaks the cycle)."""
    if name in ("simulate", "SimulationSummary"):
        from loaders.simulator import simulate as mod

        return getattr(mod, name)
    raise AttributeError(name)
