"""Loaders: the landing area into the warehouse's raw layer.

`ingest/` is the shared core (discovery of complete deliveries, the load ledger, parsing,
validation, COPY, quarantine), `feeds/` has one module per inbound feed, `genomes` loads
each genome's summary, candidates and tiers (computed by the `variants` package), and
`pseudonymise` turns NHS numbers into pseudonyms at this boundary. Every step can be run,
tested and debugged without Airflow; the DAGs call it through `orchestration`.
"""
