-- Identifiers the junk guard cut from the identity graph, why, and how many identifiers they touched.
select
    identifier_type,
    identifier,
    reason,
    cast(degree as bigint) as degree,
    quarantined_at
from {{ ref('int_identity__quarantine') }}
