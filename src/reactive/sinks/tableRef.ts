// A Delta table as streaming operators accept it: an open handle, a local
// directory, or any Storage.
import type { Storage } from '../../delta/storage/storage.ts';
import { LocalStorage } from '../../delta/storage/local-storage.ts';
import { DeltaTable } from '../../delta/table.ts';

/** A table given as a handle, a directory path or a Storage. */
export type TableRef = DeltaTable | string | Storage;

/** The Storage behind a table reference. */
export function storageOfRef(table: TableRef): Storage {
  if (table instanceof DeltaTable) return table.storage;
  return typeof table === 'string' ? new LocalStorage(table) : table;
}
