"""Data-quality suites as code, one module per checkpoint stage.

`raw` runs after `gwh load`, `genomics` after `gwh variants load`, `marts` after `dbt build`
and before promotion. Each check is tagged with its Kahn category (conformance /
completeness / plausibility, as OHDSI's Data Quality Dashboard sorts them) and a severity:
a failed critical check stops that night's promotion of the reporting layer, a warning is
recorded and shown but never stops the run. `quality.runner` turns these suites into Great
Expectations suites, validation definitions and one checkpoint per stage.
"""
