{#- A condition from configuration (a var's quarantine check) is pasted into SQL: it may use only the
    named columns, literals, comparison / arithmetic / boolean operators and a few pure functions.
    Anything else (another table, read_csv, getenv, a ';', a comment) fails the compile, naming the
    condition and what is not allowed. Quoted names ("my col") work and must be columns too. -#}
{% macro safe_condition(condition, columns=none) %}
  {%- set keywords = ['and', 'or', 'not', 'is', 'null', 'in', 'between', 'like', 'ilike', 'true',
                      'false', 'case', 'when', 'then', 'else', 'end', 'date', 'timestamp', 'interval',
                      'day', 'days', 'hour', 'hours', 'minute', 'minutes', 'second', 'seconds',
                      'distinct', 'from'] -%}
  {%- set functions = ['lower', 'upper', 'trim', 'length', 'coalesce', 'abs', 'round', 'nullif',
                       'greatest', 'least', 'starts_with', 'ends_with', 'contains', 'regexp_matches',
                       'isnan', 'isfinite', 'year', 'month', 'epoch'] -%}
  {%- set token = "\\s*(?:('(?:[^']|'')*')|(\"(?:[^\"]|\"\")+\")|([0-9]+(?:\\.[0-9]+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|<>|!=|==|=|<|>|\\(|\\)|,|\\+|-|\\*|/|%|\\|\\|))\\s*" -%}
  {%- set text = condition | string -%}
  {%- set state = namespace(pos=0, bad=none) -%}
  {%- set matches = modules.re.compile(token).finditer(text) | list -%}
  {%- for m in matches -%}
    {%- if state.bad is none -%}
      {%- if m.start() != state.pos -%}
        {%- set state.bad = text[state.pos:m.start()] -%}
      {%- endif -%}
      {%- set state.pos = m.end() -%}
      {%- set after = text[m.end():].lstrip() -%}
      {%- if m.group(2) -%}
        {%- set name = m.group(2)[1:-1] | replace('""', '"') -%}
        {%- if columns is not none and name not in columns -%}{%- set state.bad = m.group(2) -%}{%- endif -%}
      {%- elif m.group(4) -%}
        {%- set word = m.group(4) | lower -%}
        {%- if after.startswith('(') -%}
          {%- if word not in functions and word not in ['in', 'not', 'and', 'or'] -%}{%- set state.bad = m.group(4) ~ '(' -%}{%- endif -%}
        {%- elif word not in keywords and columns is not none and m.group(4) not in columns -%}
          {%- set state.bad = m.group(4) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if state.bad is none and state.pos != text | length -%}{%- set state.bad = text[state.pos:] -%}{%- endif -%}
  {%- if execute and state.bad is not none -%}
    {{ exceptions.raise_compiler_error("configured condition " ~ text ~ " is not allowed: " ~ state.bad ~ " (only " ~ ("the columns " ~ columns | join(', ') if columns else "column names") ~ ", literals, operators and the functions " ~ functions | join(', ') ~ ")") }}
  {%- endif -%}
  ({{ text }})
{%- endmacro %}

{#- on-run-start: vars pasted into SQL as numbers must be numbers, list vars lists of plain values, and
    every configured quarantine check safe (safe_condition), so `--vars` cannot smuggle SQL in. A var
    added later that is pasted as a number belongs in the list below. -#}
{% macro check_vars() %}
  {%- if execute -%}
    {%- set numbers = ['identity_max_links_per_phone', 'rfm_window_days', 'aipl_interest_days',
                       'lifecycle_new_days', 'lifecycle_active_days', 'lifecycle_at_risk_days',
                       'lifecycle_backfill_days', 'lifecycle_silent_days', 'community_small_size',
                       'community_quality_buyer_share', 'staff_contact_capacity', 'session_gap_minutes',
                       'plausible_future_hours'] -%}
    {%- set lists = ['identity_merge_rules', 'identity_test_phones', 'identifier_type_order',
                     'unpaid_statuses', 'tier1_cities', 'new_tier1_cities',
                     'identity_test_mp_openids', 'identity_test_unionids', 'identity_test_external_userids'] -%}
    {%- for name in numbers -%}
      {%- set value = var(name, none) -%}
      {%- if value is not none and not modules.re.match('^-?[0-9]+(\\.[0-9]+)?$', value | string) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a number, got: " ~ value) }}
      {%- endif -%}
    {%- endfor -%}
    {%- for name in lists -%}
      {%- set value = var(name, none) -%}
      {%- if value is not none and (value is string or value is mapping or value is not iterable) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be a list, got: " ~ value) }}
      {%- endif -%}
    {%- endfor -%}
    {%- for name in ['order_quarantine_checks', 'mp_user_quarantine_checks'] -%}
      {%- for condition, reason in var(name, []) -%}{%- do safe_condition(condition, none) -%}{%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  select 1
{%- endmacro %}
