// CREATE TABLE: the protocol and metadata of version 0 (or of a replacing
// commit with mode 'overwrite'), validated before anything is written.

import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Metadata, Protocol } from '../actions.ts';
import { fromArrowSchema, parseSchema, serializeSchema, toArrowSchema, type DeltaType, type StructType } from '../schema.ts';
import { parseColumnList, statsOptionsFromConfiguration } from '../stats.ts';
import { requiredProtocol } from '../writer-features.ts';
import { tableIsolationLevel } from '../transaction.ts';
import { tableConstraints } from './constraints.ts';
import { compileSqlPredicate } from './predicate.ts';

export interface CreateTableOptions {
  /** Table schema, as Arrow or as a Delta struct type. */
  schema: arrow.Schema | StructType;
  /** Partition columns (top-level, primitive types). */
  partitionBy?: string[];
  /** Table properties (`delta.appendOnly`, `delta.constraints.<name>`, `delta.enableChangeDataFeed`, ...). */
  properties?: Record<string, string>;
  name?: string;
  description?: string;
  /** What to do when a table already exists: fail (default), keep it, or replace it. */
  mode?: 'error' | 'ignore' | 'overwrite';
}

/** The schema as a Delta struct type (validated). */
export function deltaSchemaOf(schema: arrow.Schema | StructType): StructType {
  const s = schema instanceof arrow.Schema ? keepInvariantsAsText(fromArrowSchema(decodedSchema(schema))) : schema;
  // Round-trip through the log format so an invalid struct type fails here, not at read time.
  return parseSchema(serializeSchema(s));
}

/**
 * The protocol stores `delta.invariants` as a JSON *string*; the Arrow →
 * Delta metadata conversion parses JSON-looking values into objects, so turn
 * them back into text before the schema reaches the log.
 */
function keepInvariantsAsText(schema: StructType): StructType {
  const fix = (t: DeltaType): DeltaType => {
    if (typeof t === 'string') return t;
    if (t.type === 'struct') {
      return {
        ...t,
        fields: t.fields.map((f) => {
          const inv = f.metadata['delta.invariants'];
          const metadata = inv !== undefined && typeof inv !== 'string' ? { ...f.metadata, 'delta.invariants': JSON.stringify(inv) } : f.metadata;
          return { ...f, metadata, type: fix(f.type) };
        }),
      };
    }
    if (t.type === 'array') return { ...t, elementType: fix(t.elementType) };
    return { ...t, keyType: fix(t.keyType), valueType: fix(t.valueType) };
  };
  return fix(schema) as StructType;
}

/** The schema with dictionary-encoded fields replaced by their value types (Delta has no dictionary type). */
export function decodedSchema(schema: arrow.Schema): arrow.Schema {
  return new arrow.Schema(
    schema.fields.map((f) =>
      f.type.typeId === arrow.Type.Dictionary ? new arrow.Field(f.name, (f.type as arrow.Dictionary).dictionary, f.nullable, f.metadata) : f,
    ),
    schema.metadata,
  );
}

/**
 * Builds and validates the metadata and protocol of a new table.
 * `base` is the protocol of a table being replaced (never downgraded).
 *
 * @example
 * const { metadata, protocol } = await newTableMetadata({ schema, partitionBy: ['date'] }, '/t');
 */
export async function newTableMetadata(
  options: CreateTableOptions,
  table: string,
  base?: { protocol: Protocol; metadata: Metadata },
): Promise<{ metadata: Metadata; protocol: Protocol }> {
  const schema = deltaSchemaOf(options.schema);
  if (schema.fields.length === 0) throw new Error(`Cannot create Delta table ${table} without columns`);
  const seen = new Map<string, string>();
  for (const f of schema.fields) {
    const k = f.name.toLowerCase();
    if (seen.has(k)) throw new Error(`Schema of Delta table ${table} has columns '${seen.get(k)}' and '${f.name}', which differ only by case`);
    seen.set(k, f.name);
  }
  const partitionBy = options.partitionBy ?? [];
  for (const p of partitionBy) {
    const f = schema.fields.find((x) => x.name === p);
    if (!f) throw new Error(`Partition column '${p}' is not a column of Delta table ${table} (columns: ${schema.fields.map((x) => x.name).join(', ')})`);
    if (typeof f.type !== 'string') throw new Error(`Partition column '${p}' of Delta table ${table} has a nested type; only primitive columns can partition a table`);
  }
  if (new Set(partitionBy).size !== partitionBy.length) throw new Error(`Partition columns of Delta table ${table} repeat a column: ${partitionBy.join(', ')}`);
  if (partitionBy.length > 0 && partitionBy.length === schema.fields.length) {
    throw new Error(`Cannot use all columns of Delta table ${table} as partition columns: a data file needs at least one data column`);
  }

  const configuration: Record<string, string> = {};
  const featureProps: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.properties ?? {})) {
    if (typeof v !== 'string') throw new Error(`Table property '${k}' of Delta table ${table} must be a string, got ${typeof v}`);
    // `delta.feature.<name>` asks for a protocol feature; it is not stored as a property.
    if (k.startsWith('delta.feature.')) featureProps[k] = v;
    else configuration[k] = v;
  }
  await validateProperties(configuration, schema, partitionBy, table);

  const metadata: Metadata = {
    id: base?.metadata.id ?? randomUUID(),
    name: options.name,
    description: options.description,
    format: { provider: 'parquet', options: {} },
    schemaString: serializeSchema(schema),
    partitionColumns: partitionBy,
    configuration,
    createdTime: Date.now(),
  };
  if (metadata.name === undefined) delete metadata.name;
  if (metadata.description === undefined) delete metadata.description;
  // Features are decided with the feature requests visible, then the requests are dropped.
  const protocol = requiredProtocol({ ...metadata, configuration: { ...configuration, ...featureProps } }, base?.protocol);
  return { metadata, protocol };
}

/** Checks table properties Tributary interprets, so a typo fails at creation rather than at the first write. */
export async function validateProperties(configuration: Record<string, string>, schema: StructType, partitionBy: readonly string[], table: string): Promise<void> {
  for (const key of ['delta.appendOnly', 'delta.enableChangeDataFeed', 'delta.enableDeletionVectors']) {
    const v = configuration[key];
    if (v !== undefined && v !== 'true' && v !== 'false') throw new Error(`Table property ${key} of Delta table ${table} must be 'true' or 'false', got '${v}'`);
  }
  const interval = configuration['delta.checkpointInterval'];
  if (interval !== undefined && !(Number.isInteger(Number(interval)) && Number(interval) > 0)) {
    throw new Error(`Table property delta.checkpointInterval of Delta table ${table} must be a positive integer, got '${interval}'`);
  }
  tableIsolationLevel({ configuration } as Metadata);
  statsOptionsFromConfiguration(configuration, partitionBy);
  const statsCols = configuration['delta.dataSkippingStatsColumns'];
  if (statsCols) {
    for (const path of parseColumnList(statsCols)) {
      let fields = schema.fields;
      for (const name of path) {
        const f = fields.find((x) => x.name === name);
        if (!f) throw new Error(`delta.dataSkippingStatsColumns of Delta table ${table} names column '${path.join('.')}', which does not exist`);
        fields = typeof f.type !== 'string' && f.type.type === 'struct' ? f.type.fields : [];
      }
    }
  }
  // Constraints must at least compile against the schema (types, column names).
  const arrowSchema = toArrowSchema(schema);
  for (const c of tableConstraints(schema, configuration)) {
    try {
      await compileSqlPredicate(c.expression, arrowSchema, table);
    } catch (err) {
      throw new Error(`${c.kind === 'check' ? `CHECK constraint ${c.name}` : `Invariant on column ${c.name}`} of Delta table ${table} is invalid: ${(err as Error).message}`);
    }
  }
}
