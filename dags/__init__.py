"""Airflow DAG files: `gwh_nightly` and `gwh_reanalysis`. Each file only defines its DAG;
every task calls one function of the `orchestration` package."""
