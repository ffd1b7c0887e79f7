/**
 * A runner frozen mid-deploy (SIGSTOP of the bundled action, as when a runner host stalls) with the
 * real lock timing: its lock lapses within 90 s, the server ends its connection and stops its build,
 * a second deploy takes over and converges, and the first, once thawed (SIGCONT), changes nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBundledAction } from '../harness/runner';
import { ledgerOf } from '../harness/stack';
import { TEST_USER } from '../harness/sshd';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(400_000);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox('frozen');
});
afterAll(() => sandbox?.stop());

it('a frozen runner loses the lock within 90 s, its work is stopped, and thawed it changes nothing', async () => {
  const { stack } = sandbox;
  const stateDir = join(stack.appDir, '.deploy');
  const inputs = (ref: string) => sandbox.inputs({ ref, environment: 'staging', 'lock-timeout': '150' });
  let frozenAt = 0;
  let pid = 0;
  // The first run builds slow-build (a 30 s build step) and is frozen a second into it.
  const first = runBundledAction('action-deploy', inputs('slow-build'), {
    timeoutMs: 300_000,
    env: { GITHUB_RUN_ID: 'frozen-run' },
    onStart: (child) => {
      pid = child.pid ?? 0;
      child.stdout?.on('data', (chunk: Buffer) => {
        if (frozenAt === 0 && /::group::Build images/.test(chunk.toString())) {
          frozenAt = -1;
          setTimeout(() => {
            child.kill('SIGSTOP');
            frozenAt = Date.now();
          }, 1000);
        }
      });
    },
  });
  const frozen = async () => {
    for (let i = 0; i < 120 && frozenAt <= 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    return frozenAt;
  };
  expect(await frozen()).toBeGreaterThan(0);

  // A second deploy waits for the lock, gets it once the frozen run's lock lapses, and converges on v2.
  const second = await runBundledAction('action-deploy', inputs('v2'), {
    timeoutMs: 300_000,
    env: { GITHUB_RUN_ID: 'taking-over' },
  });
  const lockedAfter = second.stdout.match(/Take the deploy lock: ([\d.]+)s/)?.[1];
  expect(second.code).toBe(0);
  expect(Number(lockedAfter)).toBeLessThan(90);
  expect(second.stdout).toMatch(/previous holder .*frozen-run.*(cut off|stopped answering)/s);
  expect(JSON.parse(stack.health()).version).toBe('v2');
  expect(readFileSync(join(stateDir, 'lock.log'), 'utf8')).toMatch(/frozen-run.*no heartbeat/);
  // The frozen run's remote work (its docker-compose build) was stopped with its connection.
  expect(
    execFileSync('ps', ['-u', TEST_USER, '-o', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(stack.appDir) && line.includes('build')),
  ).toEqual([]);

  // Thawed, the first run finds its connection gone: it fails, and the server stays on v2.
  process.kill(pid, 'SIGCONT');
  const thawed = await first;
  expect(thawed.code).toBe(1);
  expect(sandbox.head()).toBe(stack.repo.shas.v2);
  expect(JSON.parse(stack.health()).version).toBe('v2');
  const results = ledgerOf(stateDir).map((entry) => `${entry.run_id}:${entry.result}`);
  expect(results).toContain('taking-over:success');
  expect(results.filter((entry) => entry.startsWith('frozen-run:'))).toEqual(['frozen-run:started']);
  console.log(`lock taken over ${lockedAfter}s after the second deploy started (frozen at ${frozenAt})`);
});
