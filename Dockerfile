# The image every Airflow service of docker-compose.yml runs: the project and its locked
# dependencies (uv.lock), the Debian tools the variant checks use, and the dbt manifest the
# DAGs render from (built here, at image build time, never at DAG parse time); the loaders'
# numba kernels are compiled here too, into the image's cache.
FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends bcftools tabix make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/gwh
COPY . /opt/gwh
ENV UV_PROJECT_ENVIRONMENT=/opt/gwh/.venv \
    PATH=/opt/gwh/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false
RUN pip install --no-cache-dir "uv==0.13.9" \
    && uv sync --frozen --no-dev \
    && dbt parse --project-dir dbt --profiles-dir dbt \
    && python -c "from loaders.ingest.blocks import warm_up; warm_up()" \
    && python -c "from variants.fastcount import warm_up; warm_up()"

CMD ["airflow", "version"]
