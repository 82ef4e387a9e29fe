{#- Test accounts out of every mart (issue 19): the marts read customers and identifiers through
    these, never dim_customers / customer_identifiers directly, so a test account's customer
    (int_customer_test_accounts, flagged is_test in dim_customers) counts nowhere. -#}
{% macro real_customers() -%}
    (select * from {{ ref('dim_customers') }} where not is_test)
{%- endmacro %}

{% macro real_customer_identifiers() -%}
    (select * from {{ ref('customer_identifiers') }}
     where customer_id not in (select customer_id from {{ ref('int_customer_test_accounts') }}))
{%- endmacro %}

{#- `where` condition: the row's customer (column `column`, null for none) is not a test account -#}
{% macro not_test_customer(column='customer_id') -%}
    ({{ column }} is null or {{ column }} not in (select customer_id from {{ ref('int_customer_test_accounts') }}))
{%- endmacro %}

{#- the identifiers of type `type` that test accounts' customers hold -#}
{% macro test_identifiers(type) -%}
    (select identifier from {{ ref('customer_identifiers') }}
     where identifier_type = '{{ type }}'
         and customer_id in (select customer_id from {{ ref('int_customer_test_accounts') }}))
{%- endmacro %}
