/**
 * Cold start: how long each committed bundle takes, from spawn to exit, to refuse a bad input (an
 * empty `host`, every other input valid), against `node -e 0` on the same machine. A refused run
 * should cost little more than Node's own start: nothing but the input checks may load before the
 * inputs are valid.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeUserKey } from '../../test/harness/sshd';
import { ROOT } from '../../test/harness/runner';
import { median } from './stats';

export interface ColdStartResult {
  readonly action: string;
  /** Bytes of dist/index.js, the file Node reads and compiles before any input is read. */
  readonly bundleBytes: number;
  /** Median ms from spawn to exit of `node dist/index.js` refusing the empty host. */
  readonly refuseMs: number;
  /** Median ms of `node -e 0`, run in turn with the refusals so both see the same machine load. */
  readonly nodeMs: number;
  /** refuseMs / nodeMs */
  readonly ratio: number;
  /** Timed runs of each (after the warm-up). */
  readonly runs: number;
}

const ACTIONS = ['action-deploy', 'action-migrate', 'action-rollback', 'action-health', 'action-ops'];
const WARM_UP = 3;
const RUNS = 21;

interface TimedRun {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
}

/** Runs `node args` to its exit; returns the milliseconds and what it printed. */
function timeNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status, stdout }),
    );
  });
}

export async function benchColdStart(): Promise<ColdStartResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'tt-cold-start-'));
  try {
    const key = makeUserKey(scratch, 'id_ed25519', 'ed25519');
    // The runner's environment without its INPUT_* and GITHUB_* variables, and inputs that are all
    // valid but the host.
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (!name.startsWith('INPUT_') && !name.startsWith('GITHUB_')) env[name] = value;
    }
    Object.assign(env, {
      INPUT_HOST: '',
      INPUT_USERNAME: 'deploy',
      'INPUT_PRIVATE-KEY': key.privateKey,
      'INPUT_KNOWN-HOSTS': `deploy.example.com ${key.publicKey}`,
    });
    const results: ColdStartResult[] = [];
    for (const action of ACTIONS) {
      const bundle = join(ROOT, action, 'dist', 'index.js');
      const refusals: number[] = [];
      const bare: number[] = [];
      for (let i = 0; i < WARM_UP + RUNS; i++) {
        const node = await timeNode(['-e', '0'], env);
        const refused = await timeNode([bundle], env);
        // Time a refusal only: a crash or a run that got further would measure something else.
        if (refused.status !== 1 || !refused.stdout.includes("::error::Input 'host': host is required")) {
          throw new Error(
            `${action} did not refuse the empty host (exit ${refused.status}):\n${refused.stdout}`,
          );
        }
        if (i < WARM_UP) continue;
        bare.push(node.ms);
        refusals.push(refused.ms);
      }
      const refuseMs = median(refusals);
      const nodeMs = median(bare);
      results.push({
        action,
        bundleBytes: statSync(bundle).size,
        refuseMs,
        nodeMs,
        ratio: refuseMs / nodeMs,
        runs: RUNS,
      });
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
