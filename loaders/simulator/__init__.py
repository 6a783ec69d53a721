"""The programme simulator: a stand-in for 13 GMCs, the sequencing provider, NHS England
HES, ONS and PanelApp, writing a landing area exactly as `feeds.md` specifies, plus a
ground-truth folder beside it that tests use as their oracle.

Entry point: `loaders.simulator.simulate.simulate(...)` (and `gwh simulate`). Nothing is
imported here, because `loaders.reference_data` imports `loaders.simulator.model` and the
generator imports `loaders.reference_data`.
"""
