// The Python interpreter the delta-rs side of a bench runs on.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The deltalake version every bench compares against (bench/delta/setup.sh installs it). */
export const DELTALAKE_VERSION = '1.6.6';

const root = new URL('../..', import.meta.url).pathname;

/**
 * A Python whose deltalake is {@link DELTALAKE_VERSION}, installing one (bench/delta/setup.sh) when none is found.
 * Tries $TRIBUTARY_BENCH_PYTHON, .venv/interop, then the setup venv ($TRIBUTARY_BENCH_VENV or .venv/bench).
 * @param bench names the bench in the error thrown when no such Python can be had
 */
export function findDeltalakePython(bench: string): { python: string; pyarrow: string } {
  const probe = () => {
    const venv = process.env.TRIBUTARY_BENCH_VENV ?? join(root, '.venv/bench'); // where setup.sh installs
    for (const c of [process.env.TRIBUTARY_BENCH_PYTHON, join(root, '.venv/interop/bin/python'), join(venv, 'bin/python')]) {
      if (!c || (c.includes('/') && !existsSync(c))) continue;
      const r = spawnSync(c, ['-c', 'import deltalake, pyarrow; print(deltalake.__version__, pyarrow.__version__)'], { encoding: 'utf8' });
      const [deltalake, pyarrow] = String(r.stdout).trim().split(' ');
      if (r.status === 0 && deltalake === DELTALAKE_VERSION) return { python: c, pyarrow: pyarrow! };
    }
    return undefined;
  };
  const found = probe();
  if (found) return found;
  const setup = spawnSync('bash', [join(root, 'bench/delta/setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const installed = setup.status === 0 ? probe() : undefined;
  if (!installed) throw new Error(`${bench}: no Python with deltalake ${DELTALAKE_VERSION}, and bench/delta/setup.sh could not install one`);
  return installed;
}
