# The Airflow image Siyu runs on: the official Airflow 3.3.2 image plus Siyu, installed once.
# The whole project (dags/, plugins/siyu, dbt_project/, expectations/) is in /opt/siyu, installed
# editable: one copy of the code, which the DAGs folder and SIYU_PROJECT_ROOT point at.
FROM apache/airflow:3.3.2-python3.11
USER root
RUN mkdir -p /opt/siyu /opt/airflow/plugins && chown -R airflow:root /opt/siyu /opt/airflow/plugins
USER airflow
COPY --chown=airflow:root pyproject.toml constraints.txt README.md /opt/siyu/
COPY --chown=airflow:root plugins/siyu /opt/siyu/plugins/siyu
COPY --chown=airflow:root dags /opt/siyu/dags
COPY --chown=airflow:root dbt_project /opt/siyu/dbt_project
COPY --chown=airflow:root expectations /opt/siyu/expectations
RUN pip install --no-cache-dir -c /opt/siyu/constraints.txt -e "/opt/siyu[deploy]"
ENV SIYU_PROJECT_ROOT=/opt/siyu
