/**
 * `npm run bench`: what the SSH core costs on this machine, against a real sshd on loopback.
 * - connect: TCP + key exchange + login, per connection
 * - exec on the run's one connection vs a fresh connection per command (what reuse saves)
 * - the whole bundled action-health run on the fixture stack
 * Prints the machine it ran on; numbers from loopback are a floor, not a WAN figure.
 */
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { commandLine } from '../packages/shared/src/shell';
import { SshSession } from '../packages/shared/src/ssh/session';
import { makeUserKey, scratchDir, startSshd } from '../test/harness/sshd';
import { connectionFor, connectionInputs } from '../test/harness/settings';
import { ROOT, runBundledAction } from '../test/harness/runner';
import { startStack, waitStackHealthy } from '../test/harness/stack';

const quiet = { sink: { write: () => undefined } };

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms (n=${samples.length})`;
}

async function time<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e6];
}

async function bench(): Promise<void> {
  execFileSync('bash', [`${ROOT}/scripts/setup-machine.sh`], { stdio: 'inherit' });
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ssh2 pure JS (no native addon)`,
  );
  const key = makeUserKey(scratchDir('tt-bench-'), 'id_ed25519', 'ed25519');
  const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  const settings = connectionFor(sshd, key);
  const target = settings.targets[0];
  const command = commandLine({ argv: ['true'] });
  try {
    const connects: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [session, ms] = await time(() => SshSession.open(settings, target, quiet));
      connects.push(ms);
      const [, execMs] = await time(() => session.run(command, 'true'));
      fresh.push(ms + execMs);
      session.close();
    }
    const session = await SshSession.open(settings, target, quiet);
    const reused: number[] = [];
    for (let i = 0; i < 100; i++) reused.push((await time(() => session.run(command, 'true')))[1]);
    session.close();
    console.log(`connect (ed25519, loopback):           ${stats(connects)}`);
    console.log(`command on a fresh connection:         ${stats(fresh)}`);
    console.log(`command on the run's one connection:   ${stats(reused)}`);

    const stack = startStack('bench');
    try {
      await waitStackHealthy(stack);
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const run = await runBundledAction('action-health', {
          ...connectionInputs(sshd, key),
          'app-dir': stack.appDir,
          'server-url': stack.healthUrl,
          'metrics-url': stack.metricsUrl,
          retries: '0',
        });
        if (run.code !== 0) throw new Error(`action-health failed:\n${run.stdout}`);
        runs.push(run.durationMs);
      }
      console.log(
        `action-health, whole bundled run:      ${stats(runs)} (compose: ${execFileSync('docker-compose', ['version', '--short']).toString().trim()})`,
      );
    } finally {
      stack.down();
    }
  } finally {
    await sshd.stop();
  }
}

bench().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
