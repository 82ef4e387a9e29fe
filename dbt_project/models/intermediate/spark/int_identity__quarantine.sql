{{ config(materialized=incremental_materialization(), enabled=target.type == 'spark') }}
-- int_identity__quarantine on Spark (issue 22): the junk guard of the Python model
-- (models/intermediate/int_identity__quarantine.py, DuckDB's: its rules, columns and rows), in SQL.
-- The test numbers are pseudonymised by siyu_phone_hash, the session function siyu.spark_session
-- registers (siyu.privacy.phone_hash with SIYU_PII_KEY: the key never reaches compiled SQL). Spark's
-- Parquet tables have no delete, so this is a table measured whole on every run (as every
-- incremental_state model on Spark: macros/engine/incremental.sql).
{%- set max_links = var('identity_max_links_per_phone') | int %}
{%- set phones = var('identity_test_phones') or [] %}

with tests as (
    select distinct siyu_phone_hash(phone) as phone_hash
    from (select explode(array({% for p in phones %}'{{ p | string | replace("'", "") }}'{{ ', ' if not loop.last }}{% endfor %})) as phone)
    where siyu_phone_hash(phone) is not null
),

links as (
    select right_identifier as phone_hash, left_type, left_identifier,
           min(first_seen_at) as first_seen_at
    from {{ ref('int_identity__edges') }}
    where right_type = 'phone_hash'
    group by right_identifier, left_type, left_identifier
),

ranked as (
    select *,
        row_number() over (partition by phone_hash
                           order by first_seen_at, left_type, left_identifier) as link_no,
        count(*) over (partition by phone_hash) as degree
    from links
)

select
    'phone_hash' as identifier_type,
    r.phone_hash as identifier,
    case when t.phone_hash is not null then 'test_number' else 'shared_by_too_many' end as reason,
    any_value(r.degree) as degree,
    case when t.phone_hash is not null then min(r.first_seen_at)
         else min(r.first_seen_at) filter (where r.link_no = {{ max_links }} + 1) end as quarantined_at,
    {{ run_date() }} as written_on
from ranked r
left join tests t on t.phone_hash = r.phone_hash
where r.degree > {{ max_links }} or t.phone_hash is not null
group by r.phone_hash, t.phone_hash
