# Setup (untimed): writes the target rows (Arrow IPC file, op/seq dropped) as a delta-rs table.
import sys
import pyarrow.ipc as ipc
from deltalake import write_deltalake
t = ipc.open_file(sys.argv[2]).read_all().select(['id', 'customer', 'amount', 'status'])
write_deltalake(sys.argv[1], t)
