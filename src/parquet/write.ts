// The Parquet writer's entry points: validation in TypeScript, encoding in
// native code off the JS thread (see native/parquet/).
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { RecordBatch, Table, type Schema } from 'apache-arrow';
import { buildNativeJob } from './job.ts';
import { runNativeJob } from './native-job.ts';
import { resolveOptions } from './options.ts';
import { planSchema } from './schema.ts';
import { toFileStats } from './stats.ts';
import type { ParquetWriteOptions, ParquetWriteResult } from './types.ts';

/** Data the writer accepts: one table, one batch, or batches sharing a schema. */
export type ParquetInput = Table | RecordBatch | readonly RecordBatch[];

function sameSchema(a: Schema, b: Schema): boolean {
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => {
    const g = b.fields[i]!;
    return f.name === g.name && f.nullable === g.nullable && String(f.type) === String(g.type);
  });
}

function toBatches(data: ParquetInput): { schema: Schema; batches: readonly RecordBatch[] } {
  if (data instanceof Table) return { schema: data.schema, batches: data.batches };
  if (data instanceof RecordBatch) return { schema: data.schema, batches: [data] };
  if (Array.isArray(data)) {
    if (data.length === 0) throw new Error('writeParquet: no record batches given (an empty array has no schema)');
    data.forEach((b, i) => {
      if (!(b instanceof RecordBatch)) throw new Error(`writeParquet: element ${i} of the input is not an Arrow RecordBatch`);
    });
    const schema = data[0]!.schema;
    data.forEach((b, i) => {
      if (!sameSchema(schema, b.schema)) {
        throw new Error(`writeParquet: record batch ${i} has schema ${String(b.schema)}, expected ${String(schema)}`);
      }
    });
    return { schema, batches: data };
  }
  throw new Error('writeParquet: expected an Arrow Table, RecordBatch or RecordBatch[]');
}

/**
 * Encodes Arrow data as one Parquet file in memory, on native threads. Arrow's buffers are read in place,
 * so they must not be mutated or transferred (postMessage) until the promise settles.
 *
 * @example
 * const { bytes, stats } = await writeParquet(table, { compression: 'zstd' });
 * stats.columns.find((c) => c.path[0] === 'id')?.max; // 1999999n
 */
export async function writeParquet(data: ParquetInput, options?: ParquetWriteOptions): Promise<ParquetWriteResult> {
  const resolved = resolveOptions(options);
  const { schema, batches } = toBatches(data);
  const plan = planSchema(schema, resolved.fieldIds);
  const job = buildNativeJob(plan, batches, resolved);
  let result;
  try {
    result = await runNativeJob(job);
  } catch (e) {
    // Native errors carry no JS stack: rethrow from here with the native message.
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(message.startsWith('writeParquet') ? message : `writeParquet: ${message}`, { cause: e });
  }
  return { bytes: result.buffer, stats: toFileStats(job.numRows, plan.leaves, result.stats) };
}

/**
 * Writes Arrow data as a Parquet file at `path`, replacing it atomically (a temporary file renamed into
 * place), so a failed write never leaves a partial file behind.
 *
 * @example
 * await writeParquetFile('/tmp/orders.parquet', table);
 */
export async function writeParquetFile(path: string, data: ParquetInput, options?: ParquetWriteOptions): Promise<ParquetWriteResult> {
  const result = await writeParquet(data, options);
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, result.bytes);
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return result;
}
