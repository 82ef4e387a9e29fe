# The Airflow image Siyu runs on: the official Airflow 3.3.2 image plus the siyu package's dependencies.
# dags/, plugins/, dbt_project/ and expectations/ are mounted by docker-compose.yaml, not baked in.
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root pyproject.toml constraints.txt README.md /opt/siyu/
COPY --chown=airflow:root plugins/siyu /opt/siyu/plugins/siyu
RUN pip install --no-cache-dir -c /opt/siyu/constraints.txt "/opt/siyu[servers]"
