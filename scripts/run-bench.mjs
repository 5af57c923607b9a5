// `npm run bench -- <name> [args...]` runs bench/<name>/index.ts. The bench
// prints a readable table and, as its last stdout line, one JSON object.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const root = new URL('..', import.meta.url).pathname;
const benches = readdirSync(join(root, 'bench'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, 'bench', d.name, 'index.ts')))
  .map((d) => d.name);
if (!name || !benches.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${benches.join(', ')})`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', name, 'index.ts'), ...rest], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
