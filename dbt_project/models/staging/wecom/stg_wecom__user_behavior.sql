-- Staff behaviour stats per day. A day's stats are re-fetched by later runs (WeCom revises them), so
-- the latest extraction of each (userid, stat_date) wins.
select
    userid as staff_userid,
    stat_date,
    chat_cnt,
    message_cnt,
    reply_percentage,
    avg_reply_time,
    negative_feedback_cnt,
    new_apply_cnt,
    new_contact_cnt
from {{ source('wecom', 'user_behavior') }}
where cast(dt as date) <= {{ run_date() }}
  and userid is not null and stat_date is not null
qualify row_number() over (partition by userid, stat_date order by dt desc) = 1
