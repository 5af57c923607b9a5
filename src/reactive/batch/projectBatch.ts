// The columns of a record batch chosen by name, without copying any buffer.
import * as arrow from 'apache-arrow';

/**
 * The columns `names` of `batch`, in that order (they must exist).
 * @example projectBatch(batch, ['id', 'amount']).schema.names // ['id', 'amount']
 */
export function projectBatch(batch: arrow.RecordBatch, names: readonly string[]): arrow.RecordBatch {
  const idx = names.map((n) => batch.schema.fields.findIndex((f) => f.name === n));
  const schema = new arrow.Schema(idx.map((i) => batch.schema.fields[i]));
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, nullCount: 0, children: idx.map((i) => batch.data.children[i]) }));
}
