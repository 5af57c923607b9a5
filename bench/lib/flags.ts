// Command-line flags shared by the benches' index.ts.

/**
 * The positive integer after `--name` on the command line, or `fallback` when the flag is absent.
 * Throws naming the bench and the flag when the value is not a positive integer.
 * @example const rows = positiveIntFlag('bench/ingest', 'rows', 2_000_000); // `--rows 200000`
 */
export function positiveIntFlag(bench: string, name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${bench}: --${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}
