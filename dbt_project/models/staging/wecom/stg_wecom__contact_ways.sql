-- Contact ways (live QR codes) ever seen up to run_date, latest version per config_id: a retired QR
-- code still explains the channel of the contacts it brought in.
select
    config_id,
    type as contact_way_type,
    scene,
    state,
    remark,
    users as staff_userids,
    skip_verify,
    style,
    is_temp,
    expires_in,
    qr_code,  -- only when the connection keeps it (keep_qr_code)
    cast(dt as date) as snapshot_date
from {{ source('wecom', 'contact_ways') }}
where cast(dt as date) <= {{ run_date() }}
  and config_id is not null
qualify row_number() over (partition by config_id order by dt desc) = 1
