"""The programme simulator: a stand-in for the upstream systems (13 GMCs, the sequencing
provider, NHS England HES, ONS and PanelApp), writing a landing area exactly as feeds.md
specifies, plus a ground-truth folder beside it that tests and the demo use as their oracle.

It depends on the platform's shared vocabulary (`domain`) and file formats (`formats`) only,
never on the loaders or the warehouse: it plays the other side of the feed contract.
Entry point: `simulator.simulate.simulate(...)` (and `gwh simulate`).
"""
