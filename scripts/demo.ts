/**
 * `npm run demo`: a throwaway local "server" (a real sshd on a loopback address in front of the
 * local Docker engine, holding the sample stack at v1 with a PostgreSQL database), then the bundled
 * action-deploy to v2 and action-health run against it exactly as the Actions runner would, with
 * their job summaries printed as text. Cleans up after itself.
 */
import { execFileSync } from 'node:child_process';
import { ROOT, runBundledAction, type ActionRun } from '../test/harness/runner';
import { startSandbox } from '../test/harness/sandbox';

function show(title: string, run: ActionRun): void {
  console.log(
    `\n======== ${title}: exit code ${run.code} in ${(run.durationMs / 1000).toFixed(1)}s ========\n`,
  );
  // The runner hides ::add-mask:: lines and folds groups; the demo hides the former.
  process.stdout.write(run.stdout.replace(/^::add-mask::.*\n/gm, ''));
  console.log(`\n-------- ${title}: outputs --------`);
  for (const [name, value] of Object.entries(run.outputs))
    if (name !== 'report') console.log(`${name}=${value}`);
  console.log(`\n-------- ${title}: job summary --------\n`);
  console.log(run.summary);
}

async function demo(): Promise<number> {
  console.log('== preparing this machine (packages, dockerd, test user)');
  execFileSync('bash', [`${ROOT}/scripts/setup-machine.sh`], { stdio: 'inherit' });
  const sandbox = await startSandbox('demo', 'a row written at v1');
  const { sshd, pg, stack } = sandbox;
  console.log(
    `== sandbox server: sshd on ${sshd.address}:${sshd.port} (pinned by its known_hosts line), PostgreSQL on 127.0.0.1:${pg.port}`,
  );
  try {
    console.log(`== sample stack at v1 in ${stack.appDir}: ${stack.health()}`);
    const connection = sandbox.inputs({ environment: 'sandbox' });
    const deploy = await runBundledAction('action-deploy', { ...connection, ref: 'v2' });
    show('action-deploy v1 -> v2', deploy);
    const health = await runBundledAction('action-health', {
      ...connection,
      'server-url': stack.healthUrl,
      'metrics-url': stack.metricsUrl,
      // The sandbox's own dependency containers (runbook §7/§8): PostgreSQL, Redis, the backups.
      'postgres-container': stack.containers.postgres,
      'redis-container': stack.containers.redis,
      'backup-container': stack.containers.backup,
      'restore-command': `docker exec -i ${stack.containers.backup} /usr/local/bin/restore.sh`,
      retries: '3',
      interval: '2',
    });
    show('action-health', health);
    console.log(
      `== the server now: ${stack.health()}; database revision ${pg.sql('SELECT version_num FROM alembic_version')}; rows kept: ${pg.sql('SELECT count(*) FROM items')}`,
    );
    return deploy.code === 0 && health.code === 0 ? 0 : 1;
  } finally {
    await sandbox.stop();
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
