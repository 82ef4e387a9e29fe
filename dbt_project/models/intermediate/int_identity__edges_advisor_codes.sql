{{ config(materialized='ephemeral') }}
-- Evidence family contact_way_state: the "add your advisor" code (int_wecom__advisor_code_links): a
-- WeCom contact whose follow_info state is the contact way the brand's backend created for a
-- mini-program user is that user. The edges rewrite whole (rule, left identifier) keys, so a contact
-- any of whose pairs changed since the edges' watermark brings all its pairs.
{%- set links = ref('int_wecom__advisor_code_links') %}
{%- set rebuild = incremental_watermark('int_identity__edges') is none %}
select
    rule, source, left_type, left_identifier, right_type, right_identifier,
    first_seen_at, last_seen_at, first_landed_on
from {{ links }}
{%- if not rebuild %}
where left_identifier in (
    select left_identifier from {{ links }}
    where {{ changed_since_watermark('written_on', 'int_identity__edges') }}
)
{%- endif %}
