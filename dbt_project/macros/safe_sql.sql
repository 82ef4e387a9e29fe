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
    {{ exceptions.raise_compiler_error("configured condition " ~ text ~ " is not allowed: " ~ state.bad ~ " (only the columns " ~ (columns or []) | join(', ') ~ ", literals, operators and the functions " ~ functions | join(', ') ~ ")") }}
  {%- endif -%}
  ({{ text }})
{%- endmacro %}
