"""Opt-outs are only recorded here: ``privacy_opt_outs`` (SIYU_HOME/privacy/privacy_opt_outs.parquet),
one row per identifier of the customer who opted out, for the consent model to read. The data stays;
only an erasure deletes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from siyu.lake import restrict
from siyu.pipl.paths import opt_outs_file
from siyu.pipl.resolve import Identifiers

SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("identifier_type", pa.string()),
        ("identifier", pa.string()),
        ("customer_id", pa.string()),  # one of the customer's ids when identity knows them, else null
        ("opted_out_at", pa.timestamp("us", tz="UTC")),
    ]
)


def record(request: dict, ids: Identifiers) -> int:
    import datetime as dt

    at = dt.datetime.fromisoformat(request["received_at"])
    customer = min(ids.customer_ids) if ids.customer_ids else None
    rows = [
        (kind, value)
        for kind, bucket in (
            ("mp_openid", ids.mp_openids),
            ("unionid", ids.unionids),
            ("external_userid", ids.external_userids),
            ("phone_hash", ids.phone_hashes),
            ("customer_id", ids.customer_ids),
        )
        for value in sorted(bucket)
    ]
    new = pa.table(
        {
            "request_id": [request["id"]] * len(rows),
            "identifier_type": [k for k, _ in rows],
            "identifier": [v for _, v in rows],
            "customer_id": [customer] * len(rows),
            "opted_out_at": [at] * len(rows),
        },
        schema=SCHEMA,
    )
    path = opt_outs_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.concat_tables([pq.read_table(path), new]) if path.exists() else new
    tmp = path.with_name(".privacy_opt_outs.tmp")
    pq.write_table(table, tmp)
    restrict(tmp)
    tmp.replace(path)
    return len(rows)
