// Tributary's side of the interop tests: read a table through the DeltaTable
// API into the same normalised shape the oracle prints.
import { DeltaTable } from '../../src/delta/index.ts';
import { normaliseTable } from './normalise.ts';
import type { OracleTable } from './oracle.ts';

/** The table as Tributary reads it (latest version, or `version`). */
export async function tributaryRead(path: string, version?: number): Promise<OracleTable> {
  const table = await DeltaTable.open(path, version === undefined ? {} : { version });
  const { schema, rows } = normaliseTable(await table.toArrow());
  return { version: table.version(), schema, rows };
}
