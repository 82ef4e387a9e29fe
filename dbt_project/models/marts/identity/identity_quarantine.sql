-- Identifiers cut from the identity graph: by the junk guard (test numbers, phones shared too
-- widely), or by an operator (`junk` in int_identity__overrides: reason operator), why, and how
-- many identifiers they touched.
with quarantine as (
    select identifier_type, identifier, reason, cast(degree as bigint) as degree, quarantined_at
    from {{ ref('int_identity__quarantine') }}
),

junked as (
    select left_type as identifier_type, left_identifier as identifier, decided_at
    from {{ ref('int_identity__overrides') }} o
    where action = 'junk' and rejected_reason is null and revoked_on is null
        and not exists (select 1 from quarantine q
                        where q.identifier_type = o.left_type and q.identifier = o.left_identifier)
),

junked_degree as (
    -- distinct identifiers the junked one is linked to, by any rule, on either side of the evidence
    select j.identifier_type, j.identifier, count(distinct e.right_type || ':' || e.right_identifier) as degree
    from junked j join {{ ref('int_identity__edges') }} e
        on e.left_type = j.identifier_type and e.left_identifier = j.identifier and e.right_identifier is not null
    group by all
    union all
    select j.identifier_type, j.identifier, count(distinct e.left_type || ':' || e.left_identifier)
    from junked j join {{ ref('int_identity__edges') }} e
        on e.right_type = j.identifier_type and e.right_identifier = j.identifier
    group by all
)

select * from quarantine
union all
select j.identifier_type, j.identifier, 'operator' as reason,
       cast(coalesce(sum(d.degree), 0) as bigint) as degree, j.decided_at as quarantined_at
from junked j left join junked_degree d using (identifier_type, identifier)
group by all
