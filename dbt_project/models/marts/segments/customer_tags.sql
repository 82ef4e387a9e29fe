-- [customer × tag] Tags compiled from seeds/tag_definitions.csv by the build_customer_tags macro:
-- adding a tag is one row in the seed, no new model. Classes: source, basic, behaviour, business, predictive.
-- depends_on: {{ ref('tag_definitions') }}
{{ build_customer_tags(ref('int_customer_features')) }}
