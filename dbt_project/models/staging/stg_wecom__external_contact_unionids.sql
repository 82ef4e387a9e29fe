-- Every (external_userid, unionid) pair WeCom ever reported in a snapshot <= run_date, with the first
-- and last snapshot date. Identity evidence outlives the contact: a customer who deleted the staff
-- member is still the same person, so edges are built from this history, not the latest snapshot.
select
    external_userid,
    nullif(trim(unionid), '') as unionid,
    min(cast(dt as date)) as first_snapshot_date,
    max(cast(dt as date)) as last_snapshot_date
from {{ source('wecom', 'external_contacts') }}
where cast(dt as date) <= {{ run_date() }}
  and external_userid is not null
group by 1, 2
