// The Parquet writer's entry points: validation in TypeScript, encoding in
// native code off the JS thread (see native/parquet/).
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { RecordBatch, Table, type Schema } from 'apache-arrow';
import { buildNativeJob } from './job.ts';
import { runNativeJob, type NativeJob, type NativeResult } from './native-job.ts';
import { resolveOptions } from './options.ts';
import { planSchema, type ParquetSchemaPlan } from './schema.ts';
import { toFileStats } from './stats.ts';
import type { FileStats, ParquetWriteOptions, ParquetWriteResult } from './types.ts';

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

/** A validated job, ready for the native encoder. */
interface PreparedWrite {
  job: NativeJob;
  plan: ParquetSchemaPlan;
}

/** Validates everything that can be checked in JS, so bad input fails before any file is created. */
function prepare(data: ParquetInput, options: ParquetWriteOptions | undefined): PreparedWrite {
  const resolved = resolveOptions(options);
  const { schema, batches } = toBatches(data);
  const plan = planSchema(schema, resolved.fieldIds);
  return { job: buildNativeJob(plan, batches, resolved), plan };
}

async function run({ job }: PreparedWrite, fd?: number, target?: string): Promise<NativeResult> {
  try {
    return await runNativeJob(job, fd);
  } catch (e) {
    // Native errors carry no JS stack: rethrow from here with the native message (and the file, if any).
    const message = e instanceof Error ? e.message : String(e);
    const prefixed = message.startsWith('writeParquet') ? message : `writeParquet: ${message}`;
    throw new Error(target === undefined ? prefixed : `${prefixed} (writing ${target})`, { cause: e });
  }
}

/** What the file-writing functions return: the file is on disk, never whole in memory. */
export interface ParquetFileWriteResult {
  /** Bytes written (the whole file). */
  size: number;
  stats: FileStats;
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
  const prepared = prepare(data, options);
  const result = await run(prepared);
  if (result.buffer === undefined) throw new Error('writeParquet: the native writer returned no bytes (stale addon? rebuild it)');
  return { bytes: result.buffer, stats: toFileStats(prepared.job.numRows, prepared.plan.leaves, result.stats) };
}

/**
 * Streams Arrow data as a Parquet file to an open, writable file descriptor (from its current position).
 * Each column chunk is written as soon as it is encoded, off the JS thread, so memory holds only the chunks
 * in flight, never the file. The caller owns `fd` and must keep it open until the promise settles; after a
 * failure the descriptor's file holds a partial write, which the caller discards. `target` names the file
 * in error messages.
 *
 * @example
 * const handle = await open(tempPath, 'wx');
 * try { await writeParquetToFd(handle.fd, table); } finally { await handle.close(); }
 */
export async function writeParquetToFd(
  fd: number,
  data: ParquetInput,
  options?: ParquetWriteOptions,
  target = `file descriptor ${fd}`,
): Promise<ParquetFileWriteResult> {
  if (!Number.isInteger(fd) || fd < 0) throw new Error(`writeParquetToFd: expected an open file descriptor, got ${String(fd)}`);
  const prepared = prepare(data, options);
  const result = await run(prepared, fd, target);
  return { size: result.size, stats: toFileStats(prepared.job.numRows, prepared.plan.leaves, result.stats) };
}

/**
 * Writes Arrow data as a Parquet file at `path`, streamed to a temporary file beside it (column chunk by
 * column chunk, so the file is never whole in memory) and renamed into place: a failed write leaves
 * nothing behind and never a partial file at `path`.
 *
 * @example
 * const { size, stats } = await writeParquetFile('/tmp/orders.parquet', table);
 */
export async function writeParquetFile(path: string, data: ParquetInput, options?: ParquetWriteOptions): Promise<ParquetFileWriteResult> {
  // Bad input throws here, before a temporary file exists.
  const prepared = prepare(data, options);
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx');
  let result: NativeResult;
  try {
    try {
      result = await run(prepared, handle.fd, path);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return { size: result.size, stats: toFileStats(prepared.job.numRows, prepared.plan.leaves, result.stats) };
}
