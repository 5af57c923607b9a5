// A private moto_server (S3-compatible) for one test file: started on a free
// loopback port through scripts/s3/*.sh with its own state directory, so
// nothing is shared between test files, and killed when the process exits
// even if the file's `after` hook never runs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

export interface Moto {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts moto (installing it into .venv/moto on first use) and waits until it answers.
 *
 * @example
 * const moto = await startMoto();
 * // ... S3Client({ endpoint: moto.endpoint, forcePathStyle: true, ... })
 * await moto.stop();
 */
export async function startMoto(): Promise<Moto> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-moto-'));
  const env = { ...process.env, S3_DIR: dir };
  const script = (name: string) => join(root, 'scripts/s3', name);
  const killOnExit = () => {
    try {
      process.kill(Number(readFileSync(join(dir, 's3.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // already stopped
    }
  };
  process.once('exit', killOnExit);
  try {
    // First use installs moto (~40 s); later starts take under a second.
    const { stdout } = await run('bash', [script('start.sh')], { env, timeout: 300_000 });
    await run('bash', [script('wait.sh')], { env, timeout: 60_000 });
    return {
      endpoint: stdout.trim(),
      stop: async () => {
        await run('bash', [script('stop.sh')], { env });
        process.off('exit', killOnExit);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    killOnExit();
    const e = err as { stderr?: string; message: string };
    throw new Error(`could not start moto_server: ${e.message}\n${e.stderr ?? ''}`);
  }
}
