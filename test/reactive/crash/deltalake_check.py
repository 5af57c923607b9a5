"""Independent check of the crash test's table with delta-rs (Python deltalake):
prints JSON {count, distinct, min, max, txn} for `python deltalake_check.py <table> <appId>`."""
import json
import sys

import pyarrow.compute as pc
from deltalake import DeltaTable

table, app_id = sys.argv[1], sys.argv[2]
dt = DeltaTable(table)
ids = dt.to_pyarrow_table(columns=["id"]).column("id")
txn = dt.transaction_version(app_id)
print(json.dumps({
    "count": len(ids),
    "distinct": pc.count_distinct(ids).as_py(),
    "min": pc.min(ids).as_py(),
    "max": pc.max(ids).as_py(),
    "txn": txn,
}))
