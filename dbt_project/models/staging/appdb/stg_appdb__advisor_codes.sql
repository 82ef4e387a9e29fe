-- The "add your advisor" codes as of run_date: latest version per state over partitions <= run_date
-- (a state names one user's contact way).
select
    openid as mp_openid,
    state,
    created_at,
    updated_at
from {{ source('appdb', 'advisor_codes') }}
where cast(dt as date) <= {{ run_date() }}
  and state is not null and openid is not null
  and {{ not_suppressed(['openid']) }}  -- erased people (siyu.pipl)
qualify row_number() over (partition by state order by updated_at desc, dt desc) = 1
