{#- Engine differences in types and scalar functions, one macro each; default__ is DuckDB's (the SQL
  the models had before Spark), spark__ Spark SQL's. -#}

{#- The string type in a cast or a column list: DuckDB's varchar; Spark wants a length on varchar. -#}
{% macro sql_string_type() -%}
  {{- adapter.dispatch('sql_string_type', 'siyu')() -}}
{%- endmacro %}
{% macro default__sql_string_type() -%}varchar{%- endmacro %}
{% macro spark__sql_string_type() -%}string{%- endmacro %}

{#- A JSON text's member as a string ('$.key'). -#}
{% macro json_text(expression, path) -%}
  {{- adapter.dispatch('json_text', 'siyu')(expression, path) -}}
{%- endmacro %}
{% macro default__json_text(expression, path) -%}json_extract_string({{ expression }}, '{{ path }}'){%- endmacro %}
{% macro spark__json_text(expression, path) -%}get_json_object({{ expression }}, '{{ path }}'){%- endmacro %}

{#- An instant: DuckDB's timestamptz; Spark's timestamp is already one (shown in the session zone). -#}
{% macro sql_timestamptz_type() -%}
  {{- adapter.dispatch('sql_timestamptz_type', 'siyu')() -}}
{%- endmacro %}
{% macro default__sql_timestamptz_type() -%}timestamptz{%- endmacro %}
{% macro spark__sql_timestamptz_type() -%}timestamp{%- endmacro %}

{#- A regular expression as a string literal: Spark's literals read backslash escapes, DuckDB's do not. -#}
{% macro sql_regex(pattern) -%}
  {{- adapter.dispatch('sql_regex', 'siyu')(pattern) -}}
{%- endmacro %}
{% macro default__sql_regex(pattern) -%}'{{ pattern }}'{%- endmacro %}
{% macro spark__sql_regex(pattern) -%}'{{ pattern | replace('\\', '\\\\') }}'{%- endmacro %}

{#- An instant after every real one (an unknown time sorts last): Spark has no infinite timestamp. -#}
{% macro sql_instant_last() -%}
  {{- adapter.dispatch('sql_instant_last', 'siyu')() -}}
{%- endmacro %}
{% macro default__sql_instant_last() -%}timestamptz 'infinity'{%- endmacro %}
{% macro spark__sql_instant_last() -%}timestamp '9999-12-31 23:59:59'{%- endmacro %}

{#- List and aggregate functions. -#}
{% macro sorted_distinct_list(expression) -%}
  {{- adapter.dispatch('sorted_distinct_list', 'siyu')(expression) -}}
{%- endmacro %}
{% macro default__sorted_distinct_list(expression) -%}list_sort(list(distinct {{ expression }})){%- endmacro %}
{% macro spark__sorted_distinct_list(expression) -%}array_sort(collect_set({{ expression }})){%- endmacro %}

{% macro value_at_min(value, key) -%}
  {{- adapter.dispatch('value_at_min', 'siyu')(value, key) -}}
{%- endmacro %}
{% macro default__value_at_min(value, key) -%}arg_min({{ value }}, {{ key }}){%- endmacro %}
{% macro spark__value_at_min(value, key) -%}min_by({{ value }}, {{ key }}){%- endmacro %}

{% macro string_agg_ordered(expression, separator, order_by) -%}
  {{- adapter.dispatch('string_agg_ordered', 'siyu')(expression, separator, order_by) -}}
{%- endmacro %}
{% macro default__string_agg_ordered(expression, separator, order_by) -%}string_agg({{ expression }}, '{{ separator }}' order by {{ order_by }}){%- endmacro %}
{% macro spark__string_agg_ordered(expression, separator, order_by) -%}listagg({{ expression }}, '{{ separator }}') within group (order by {{ order_by }}){%- endmacro %}

{% macro list_length(expression) -%}
  {{- adapter.dispatch('list_length', 'siyu')(expression) -}}
{%- endmacro %}
{% macro default__list_length(expression) -%}len({{ expression }}){%- endmacro %}
{% macro spark__list_length(expression) -%}size({{ expression }}){%- endmacro %}

{#- A list's elements as rows, in a FROM clause after the table (alias(column)). -#}
{% macro unnest_from(expression, alias, column) -%}
  {{- adapter.dispatch('unnest_from', 'siyu')(expression, alias, column) -}}
{%- endmacro %}
{% macro default__unnest_from(expression, alias, column) -%}unnest({{ expression }}) as {{ alias }}({{ column }}){%- endmacro %}
{% macro spark__unnest_from(expression, alias, column) -%}lateral explode({{ expression }}) as {{ alias }}({{ column }}){%- endmacro %}

{#- The 1-based position of a value in a list. -#}
{% macro list_index(list, value) -%}
  {{- adapter.dispatch('list_index', 'siyu')(list, value) -}}
{%- endmacro %}
{% macro default__list_index(list, value) -%}list_position({{ list }}, {{ value }}){%- endmacro %}
{% macro spark__list_index(list, value) -%}array_position({{ list }}, {{ value }}){%- endmacro %}

{#- A column's values as a list, sorted (an aggregate). -#}
{% macro sorted_list(column) -%}
  {{- adapter.dispatch('sorted_list', 'siyu')(column) -}}
{%- endmacro %}
{% macro default__sorted_list(column) -%}list({{ column }} order by {{ column }}){%- endmacro %}
{% macro spark__sorted_list(column) -%}array_sort(collect_list({{ column }})){%- endmacro %}

{#- An instant as text, the way DuckDB casts a timestamptz in the session zone ('2026-01-02 10:00:00+08';
  a key hashes it): DuckDB's own cast; Spark's default cast drops the offset. Whole seconds only: DuckDB
  adds the fraction when there is one, Spark's pattern cannot. -#}
{% macro instant_text(expression) -%}
  {{- adapter.dispatch('instant_text', 'siyu')(expression) -}}
{%- endmacro %}
{% macro default__instant_text(expression) -%}{{ expression }}{%- endmacro %}
{% macro spark__instant_text(expression) -%}date_format({{ expression }}, 'yyyy-MM-dd HH:mm:ssX'){%- endmacro %}

{#- The China day of an instant (macros/china_day.sql): Spark's timestamp is shown in the session
  zone, which profiles.yml sets to Asia/Shanghai (spark.sql.session.timeZone). -#}
{% macro spark__china_day(ts) -%}cast({{ ts }} as date){%- endmacro %}

{#- Whole days from one day to another (dates or instants, by their China days). Spark's
  date_diff(DAY, ...) on instants counts 24-hour spans, not day boundaries: datediff on the dates. -#}
{% macro days_between(start, end) -%}
  {{- adapter.dispatch('days_between', 'siyu')(start, end) -}}
{%- endmacro %}
{% macro default__days_between(start, end) -%}date_diff('day', {{ start }}, {{ end }}){%- endmacro %}
{% macro spark__days_between(start, end) -%}cast(datediff(cast({{ end }} as date), cast({{ start }} as date)) as bigint){%- endmacro %}

{% macro value_at_max(value, key) -%}
  {{- adapter.dispatch('value_at_max', 'siyu')(value, key) -}}
{%- endmacro %}
{% macro default__value_at_max(value, key) -%}arg_max({{ value }}, {{ key }}){%- endmacro %}
{% macro spark__value_at_max(value, key) -%}max_by({{ value }}, {{ key }}){%- endmacro %}

{#- An instant as seconds since 1970 (with the fraction), a double as DuckDB's epoch. -#}
{% macro epoch_seconds(expression) -%}
  {{- adapter.dispatch('epoch_seconds', 'siyu')(expression) -}}
{%- endmacro %}
{% macro default__epoch_seconds(expression) -%}epoch({{ expression }}){%- endmacro %}
{% macro spark__epoch_seconds(expression) -%}(cast(unix_micros({{ expression }}) as double) / 1000000){%- endmacro %}

{#- The distinct values of `expression` on the rows where `condition` holds, sorted and joined by
  `separator` (an aggregate; null when no row holds a value). Spark's listagg has no FILTER. -#}
{% macro string_agg_distinct_where(expression, separator, condition) -%}
  {{- adapter.dispatch('string_agg_distinct_where', 'siyu')(expression, separator, condition) -}}
{%- endmacro %}
{% macro default__string_agg_distinct_where(expression, separator, condition) -%}string_agg(distinct {{ expression }}, '{{ separator }}' order by {{ expression }}) filter (where {{ condition }}){%- endmacro %}
{% macro spark__string_agg_distinct_where(expression, separator, condition) -%}listagg(distinct case when {{ condition }} then {{ expression }} end, '{{ separator }}') within group (order by case when {{ condition }} then {{ expression }} end){%- endmacro %}

{#- Texts of `separator`-joined parts, across the group's rows: their distinct parts sorted and joined
  again (an aggregate). -#}
{% macro merged_parts(expression, separator) -%}
  {{- adapter.dispatch('merged_parts', 'siyu')(expression, separator) -}}
{%- endmacro %}
{% macro default__merged_parts(expression, separator) -%}array_to_string(list_sort(list_distinct(flatten(list(string_split({{ expression }}, '{{ separator }}'))))), '{{ separator }}'){%- endmacro %}
{% macro spark__merged_parts(expression, separator) -%}array_join(array_sort(array_distinct(flatten(collect_list(split({{ expression }}, '{{ separator }}'))))), '{{ separator }}'){%- endmacro %}

{#- Whole weeks from one Monday to another. -#}
{% macro weeks_between(start, end) -%}
  {{- adapter.dispatch('weeks_between', 'siyu')(start, end) -}}
{%- endmacro %}
{% macro default__weeks_between(start, end) -%}date_diff('week', {{ start }}, {{ end }}){%- endmacro %}
{% macro spark__weeks_between(start, end) -%}(datediff({{ end }}, {{ start }}) div 7){%- endmacro %}

{#- A list of two values; a list with a value appended; whether a list holds a value. -#}
{% macro list_pair(first, second) -%}
  {{- adapter.dispatch('list_pair', 'siyu')(first, second) -}}
{%- endmacro %}
{% macro default__list_pair(first, second) -%}[{{ first }}, {{ second }}]{%- endmacro %}
{% macro spark__list_pair(first, second) -%}array({{ first }}, {{ second }}){%- endmacro %}

{% macro list_appended(list, value) -%}
  {{- adapter.dispatch('list_appended', 'siyu')(list, value) -}}
{%- endmacro %}
{% macro default__list_appended(list, value) -%}list_append({{ list }}, {{ value }}){%- endmacro %}
{% macro spark__list_appended(list, value) -%}array_append({{ list }}, {{ value }}){%- endmacro %}

{% macro list_holds(list, value) -%}
  {{- adapter.dispatch('list_holds', 'siyu')(list, value) -}}
{%- endmacro %}
{% macro default__list_holds(list, value) -%}list_contains({{ list }}, {{ value }}){%- endmacro %}
{% macro spark__list_holds(list, value) -%}array_contains({{ list }}, {{ value }}){%- endmacro %}

{#- The days from `first` to `last` as rows t(d), in a FROM clause. -#}
{% macro day_series(first, last) -%}
  {{- adapter.dispatch('day_series', 'siyu')(first, last) -}}
{%- endmacro %}
{% macro default__day_series(first, last) -%}generate_series({{ first }}, {{ last }}, interval 1 day) t(d){%- endmacro %}
{% macro spark__day_series(first, last) -%}(select explode(sequence(cast({{ first }} as date), cast({{ last }} as date), interval 1 day)) as d) t{%- endmacro %}

{#- A span of `n` minutes, to compare with the difference of two instants. -#}
{% macro minutes_interval(n) -%}
  {{- adapter.dispatch('minutes_interval', 'siyu')(n) -}}
{%- endmacro %}
{% macro default__minutes_interval(n) -%}to_minutes({{ n }}){%- endmacro %}
{% macro spark__minutes_interval(n) -%}make_dt_interval(0, 0, {{ n }}){%- endmacro %}

{#- The most frequent non-null value of `value` (an aggregate), a tie going to the value that comes
  first in `order_by` ('key [asc|desc], ...'): DuckDB's ordered mode, which keeps each value's first
  row in its input order. Spark's mode breaks ties by no ordering: its rows sorted by `order_by`, the
  distinct values in order of first occurrence, the first of the most frequent. Nulls sort last in
  either direction, as in DuckDB. -#}
{#- `where`: only the rows where it holds (DuckDB's FILTER clause; on Spark the value is null elsewhere,
  which the mode ignores). -#}
{% macro ordered_mode(value, order_by, where=none) -%}
  {{- adapter.dispatch('ordered_mode', 'siyu')(value, order_by, where) -}}
{%- endmacro %}
{% macro default__ordered_mode(value, order_by, where=none) -%}mode({{ value }} order by {{ order_by }}){% if where %} filter (where {{ where }}){% endif %}{%- endmacro %}
{% macro spark__ordered_mode(value, order_by, where=none) -%}
  {%- if where -%}{%- set value = 'case when ' ~ where ~ ' then ' ~ value ~ ' end' -%}{%- endif -%}
  {%- set keys = [] -%}
  {%- for term in order_by.split(',') -%}
    {%- set words = term.strip().split() -%}
    {%- if words | length not in (1, 2) or (words | length == 2 and words[1] | lower not in ('asc', 'desc')) -%}
      {{- exceptions.raise_compiler_error("ordered_mode: order_by terms are 'key [asc|desc]', not '" ~ term ~ "'") -}}
    {%- endif -%}
    {%- do keys.append((words[0], words | length == 2 and words[1] | lower == 'desc')) -%}
  {%- endfor -%}
  {%- set fields -%}
    {%- for key, _ in keys %}'k{{ loop.index0 }}', {{ key }}, {% endfor %}'v', {{ value }}
  {%- endset -%}
  {%- set comparator -%}
    (l, r) -> case
    {%- for _, descending in keys %}
      {%- set k = 'k' ~ loop.index0 %} when l.{{ k }} is null and r.{{ k }} is not null then 1 when l.{{ k }} is not null and r.{{ k }} is null then -1
      when l.{{ k }} {{ '>' if descending else '<' }} r.{{ k }} then -1 when l.{{ k }} {{ '<' if descending else '>' }} r.{{ k }} then 1
    {%- endfor %} else 0 end
  {%- endset -%}
  {%- set values -%}
    transform(filter(array_sort(collect_list(named_struct({{ fields }})), {{ comparator }}), e -> e.v is not null), e -> e.v)
  {%- endset -%}
  {%- set counts -%}transform(array_distinct({{ values }}), d -> size(filter({{ values }}, w -> w = d))){%- endset -%}
  element_at(array_distinct({{ values }}), cast(array_position({{ counts }}, array_max({{ counts }})) as int))
{%- endmacro %}

{#- A ranking window function (`function`: row_number(), rank(), ntile(n)) over (`window`): a bigint,
  as DuckDB's (the marts' contracts); Spark's are ints. -#}
{% macro ranking(function, window) -%}
  {{- adapter.dispatch('ranking', 'siyu')(function, window) -}}
{%- endmacro %}
{% macro default__ranking(function, window) -%}{{ function }} over ({{ window }}){%- endmacro %}
{% macro spark__ranking(function, window) -%}cast({{ function }} over ({{ window }}) as bigint){%- endmacro %}

{#- The mean of a decimal column on the rows where `where` holds (an aggregate), a double: DuckDB's avg
  of a decimal. Spark's avg of a decimal is a decimal rounded to scale + 4: the exact sum over the
  count, as a double (null on no rows, as avg). -#}
{% macro decimal_avg_where(expression, where) -%}
  {{- adapter.dispatch('decimal_avg_where', 'siyu')(expression, where) -}}
{%- endmacro %}
{% macro default__decimal_avg_where(expression, where) -%}avg({{ expression }}) filter (where {{ where }}){%- endmacro %}
{% macro spark__decimal_avg_where(expression, where) -%}(cast(sum({{ expression }}) filter (where {{ where }}) as double) / nullif(count({{ expression }}) filter (where {{ where }}), 0)){%- endmacro %}
