"""The warehouse PostgreSQL itself: where it is (`db`, `config`), its schemas and roles
(`sql/`, `roles`), the code systems it is seeded with (`code_systems`), running dbt against
it (`dbt_runner`) and publishing the reporting layer once a night has passed its checks
(`promote`).

Every other package reaches the warehouse through here; nothing here knows about feeds,
genomes or Airflow.
"""
