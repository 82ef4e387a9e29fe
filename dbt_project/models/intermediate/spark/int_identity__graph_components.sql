{{ config(materialized='table', enabled=target.type == 'spark',
          post_hook="{{ identity_components_drop() }}") }}
-- int_identity__graph_components on Spark (issue 22): the numpy model's columns and rules
-- (models/intermediate/int_identity__graph_components.py), in SQL: hook and compress, one statement
-- per step, looped until no link crosses two components (macros/engine/components.sql). DuckDB
-- builds the numpy model (dbt_project.yml disables it on Spark, and this one elsewhere).
{{ identity_components(ref('int_identity__graph_part'), ref('int_identity__graph_links')) }}
