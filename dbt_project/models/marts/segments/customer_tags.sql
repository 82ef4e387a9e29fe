-- [customer × tag] Tags compiled from seeds/tag_definitions.csv by the tag factory
-- (int_customer_tags: conditions parsed against an allowlist, evaluated with external access off).
-- Adding a tag is one row in the seed, no new model. Classes: source, basic, behaviour, business, predictive.
select customer_id, tag_name, tag_class from {{ ref('int_customer_tags') }}
