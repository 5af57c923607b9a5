// parquet-wasm (arrow-rs compiled to WebAssembly) writer process. The Arrow
// table is copied into wasm memory untimed; writeParquet plus the file write
// are timed.
import { writeFileSync } from 'node:fs';
import { tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import { loadOrders, parseChildArgs, printReport, timeWrites } from './child.ts';

const args = parseChildArgs();
const table = loadOrders(args.ipcPath);
const ipcStream = tableToIPC(table, 'stream');

const times = await timeWrites(
  args,
  () => ({
    wasmTable: WasmTable.fromIPCStream(ipcStream),
    props: new WriterPropertiesBuilder().setCompression(args.codec === 'zstd' ? Compression.ZSTD : Compression.SNAPPY).build(),
  }),
  ({ wasmTable, props }) => {
    writeFileSync(args.outPath, writeParquet(wasmTable, props));
  },
);
printReport(times, table.numRows, { threads: 1 });
