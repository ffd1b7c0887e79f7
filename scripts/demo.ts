/**
 * `npm run demo`: a throwaway local "server" (a real sshd on a loopback address in front of the
 * local Docker engine, holding the fixture stack), then the bundled action run against it exactly as
 * the Actions runner would, and its job summary printed as text. Cleans up after itself.
 */
import { execFileSync } from 'node:child_process';
import { makeUserKey, scratchDir, startSshd } from '../test/harness/sshd';
import { connectionInputs } from '../test/harness/settings';
import { ROOT, runBundledAction } from '../test/harness/runner';
import { startStack, waitStackHealthy } from '../test/harness/stack';

async function demo(): Promise<number> {
  console.log('== preparing this machine (packages, dockerd, test user)');
  execFileSync('bash', [`${ROOT}/scripts/setup-machine.sh`], { stdio: 'inherit' });
  const key = makeUserKey(scratchDir('tt-demo-'), 'id_ed25519', 'ed25519');
  const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  console.log(`== sandbox server: sshd on ${sshd.address}:${sshd.port}, pinned by its known_hosts line`);
  const stack = startStack('demo');
  try {
    await waitStackHealthy(stack, ['gateway', 'worker']);
    console.log(`== fixture stack up in ${stack.appDir} (gateway healthy, worker running)`);
    const inputs = {
      ...connectionInputs(sshd, key),
      'app-dir': stack.appDir,
      'server-url': stack.healthUrl,
      'metrics-url': stack.metricsUrl,
      environment: 'sandbox',
      retries: '3',
      interval: '2',
    };
    console.log('== running action-health/dist/index.js as the runner does\n');
    const run = await runBundledAction('action-health', inputs);
    // The runner hides ::add-mask:: lines; so does the demo.
    process.stdout.write(run.stdout.replace(/^::add-mask::.*\n/gm, ''));
    console.log(
      `\n== outputs: healthy=${run.outputs.healthy}; exit code ${run.code} in ${run.durationMs} ms`,
    );
    console.log('== job summary:\n');
    console.log(run.summary);
    return run.code ?? 1;
  } finally {
    stack.down();
    await sshd.stop();
    console.log('== sandbox removed');
  }
}

demo().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
