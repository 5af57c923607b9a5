# Child: the same changes with delta-rs MERGE (when_matched_delete /
# when_matched_update / when_not_matched_insert); prints one JSON line.
import json, resource, sys, time
import pyarrow as pa
import pyarrow.ipc as ipc
from deltalake import DeltaTable

path, changes_file = sys.argv[1], sys.argv[2]
src = ipc.open_file(changes_file).read_all()
cols = ['id', 'customer', 'amount', 'status']
t0 = time.perf_counter()
dt = DeltaTable(path)
(dt.merge(src, predicate='t.id = s.id', source_alias='s', target_alias='t')
   .when_matched_delete(predicate="s.op = 'D'")
   .when_matched_update(updates={c: f's.{c}' for c in cols})
   .when_not_matched_insert(updates={c: f's.{c}' for c in cols}, predicate="s.op != 'D'")
   .execute())
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({'seconds': seconds, 'cpuSeconds': round(ru.ru_utime + ru.ru_stime, 2), 'rows': src.num_rows, 'peakRssMB': round(rss, 1)}))
