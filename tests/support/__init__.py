"""Helpers shared by the tests: a small hand-written landing area per feeds.md (`feedspec`),
simulated warehouses built the way the nightly pipeline builds them (`warehouse_build`), and
the dashboard's served app and browser (`dashboard`)."""
