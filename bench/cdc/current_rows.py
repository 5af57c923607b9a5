# Check helper (untimed): the table's current rows as delta-rs reads them
# (its DataFusion scan applies deletion vectors), written to one Parquet file
# for DuckDB.
import sys
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, QueryBuilder
reader = QueryBuilder().register('t', DeltaTable(sys.argv[1])).execute('SELECT * FROM t')
pq.write_table(pa.RecordBatchReader.from_stream(reader).read_all(), sys.argv[2])
