// Runs every uvu test file (TypeScript through tsx) in its own process, two at
// a time, and totals uvu's per-file summaries into one closing line that CI can
// count: `N passed, N failed`. Exit code is non-zero on any failure.
//   node scripts/run-tests.mjs [--interop] [filter...]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
const interop = args.includes('--interop');
const filters = args.filter((a) => !a.startsWith('--'));
const root = new URL('..', import.meta.url).pathname;

const files = readdirSync(join(root, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => (f.startsWith('interop/') ? interop : !interop))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(root, 'test', f));

const ansi = /\x1b\[[0-9;]*m/g;
const num = (text, label) => Number((text.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? NaN);

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const text = out.replace(ansi, '');
      const total = num(text, 'Total');
      const passed = num(text, 'Passed');
      const skipped = num(text, 'Skipped') || 0;
      // A file that crashed before uvu printed its summary counts as one failure.
      const ok = Number.isFinite(total) && Number.isFinite(passed);
      const failed = ok ? total - passed - skipped : 1;
      resolve({ file, code, text, passed: ok ? passed : 0, failed: code !== 0 && failed === 0 ? 1 : failed, skipped });
    });
  });
}

const started = Date.now();
const results = [];
const queue = [...files];
const workers = Math.max(1, Math.min(availableParallelism(), Number(process.env.TEST_JOBS ?? 2)));
await Promise.all(
  Array.from({ length: workers }, async () => {
    while (queue.length) {
      const r = await runFile(queue.shift());
      results.push(r);
      const tag = r.failed ? 'FAIL' : 'ok  ';
      console.log(`${tag} ${relative(root, r.file)}  (${r.passed} passed, ${r.failed} failed)`);
      if (r.failed || process.env.VERBOSE) console.log(r.text.replace(/^/gm, '    '));
    }
  }),
);

const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
const skipped = results.reduce((s, r) => s + r.skipped, 0);
console.log(`\n${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s${skipped ? `, ${skipped} skipped` : ''}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || files.length === 0 ? 1 : 0);
