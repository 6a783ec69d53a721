"""Research data releases: numbered, frozen snapshots in the programme's shape.

A release is one schema `release_vN` of tables named and shaped as the programme's Main
Programme releases (docs/upstream/releases.md), so researchers' existing code runs on it.
dbt builds the release layer as views over the marts (`release_build`); a cut materialises
every view into `release_vN` in one repeatable-read transaction (`cut`), the release's data
quality is checked by the caller, and only then is it published (`publish`): granted to
`gwh_researcher`, catalogued with its notes, and made `release_latest`. The only change a
published release ever receives is a `no_further_use` withdrawal (`consent`).
"""
