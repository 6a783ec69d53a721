"""One module per inbound feed (feeds.md). Each exposes `load_delivery(run, delivery)` and
builds its files' `TableSpec`s on the shared ingest core (loaders.ingest)."""
