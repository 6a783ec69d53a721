"""Information governance: what the programme may hold and show about a participant.

- `withdrawal`: consent withdrawal applied everywhere (warehouse, landing area), with an
  audit row;
- `disclosure`: small-number suppression of published counts (the rule the dbt reporting
  models and the dashboard both apply).

Pseudonymisation happens earlier, at the loader boundary (`loaders.pseudonymise`).
"""
