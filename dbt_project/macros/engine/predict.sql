{#- The predictions on Spark (issue 22: models/marts/segments/spark/). -#}

{#- siyu.predict.buyers.buyer_summary in Spark SQL: per buyer with a paid order up to `until`, its
    repeat purchases x, recency t_x, age at `until`, mean net value of the repeat orders and paid
    orders in (until, upto] as `later`. `limits`: a one-row select of the dates `until` and `upto`
    (literals for the fit, a fit's own dates for the holdout); each row carries them. -#}
{% macro spark_buyer_summary(orders, limits) -%}
    select p.customer_id, l.until, l.upto,
           cast(count_if(p.day <= l.until) - 1 as bigint) as x,
           cast(datediff(max(case when p.day <= l.until then p.day end), min(p.day)) as bigint) as t_x,
           cast(datediff(l.until, min(p.day)) as bigint) as age,
           -- DuckDB's avg of a decimal: the exact sum over the count, as a double (Spark's avg would
           -- round it to 6 decimals first, and the Gamma-Gamma fit moves with the last digits)
           coalesce(cast(sum(case when p.n > 1 and p.day <= l.until then p.amount * 100 end) as double)
                    / (count(case when p.n > 1 and p.day <= l.until then p.amount end) * 100), 0d)
               as repeat_value,
           count_if(p.day > l.until) as later
    from ({{ limits }}) l
    join (
        select customer_id, cast(paid_at as date) as day, net_amount as amount,
               row_number() over (partition by customer_id order by paid_at, order_id) as n
        from {{ orders }}
        where is_paid and customer_id is not null
    ) p on p.day <= l.upto
    group by p.customer_id, l.until, l.upto
    having min(p.day) <= l.until
{%- endmacro %}

{#- A pandas UDF's NaN as SQL null, as the DuckDB models' Arrow arrays (from_pandas) have it. -#}
{% macro nan_to_null(expr) -%}
    case when isnan({{ expr }}) then null else {{ expr }} end
{%- endmacro %}

{#- The JSON siyu_clv_fit returns (siyu.spark_predict.fit_json). -#}
{% macro siyu_spark_fit_schema() -%}
    buyers bigint, r double, alpha double, a double, b double, p double, q double, v double, status string
{%- endmacro %}

{#- A fit's status after its leading 'fitted' (Python's str.removeprefix): the optimiser's notes. -#}
{% macro without_fitted(status) -%}
    case when startswith({{ status }}, 'fitted') then substr({{ status }}, 7) else {{ status }} end
{%- endmacro %}
