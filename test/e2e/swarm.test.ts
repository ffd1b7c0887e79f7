/**
 * orchestrator swarm end to end: the bundled action-deploy, action-rollback and action-health, run as
 * the runner runs them, against a real sshd in front of the local Docker engine made a single-node
 * Swarm (and left again afterwards when it was not one). Every test checks the server afterwards:
 * `docker stack services` replicas and images, and what nginx answers on its published port.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { errorLines, outsideFences, runBundledAction } from '../harness/runner';
import { connectionInputs } from '../harness/settings';
import { makeUserKey, scratchDir, startSshd, type Sshd, type UserKey } from '../harness/sshd';
import { ledgerOf } from '../harness/stack';
import { createSwarmFixture, joinSwarm, SWARM_APP_SECRET, type SwarmFixture } from '../harness/swarm';

jest.setTimeout(300_000);

let sshd: Sshd;
let key: UserKey;
let swarm: ReturnType<typeof joinSwarm> | undefined;
let fixture: SwarmFixture | undefined;

beforeAll(async () => {
  key = makeUserKey(scratchDir('ttswarm-key-'), 'id_ed25519', 'ed25519');
  sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  swarm = joinSwarm();
  fixture = createSwarmFixture();
});

afterAll(async () => {
  // The engine as it was found: the stack and its images gone, and the swarm left when this test made it.
  try {
    await fixture?.remove();
  } finally {
    swarm?.leave();
    await sshd?.stop();
  }
});

const app = () => {
  if (fixture === undefined) throw new Error('the swarm fixture was not created');
  return fixture;
};

const inputs = (extra: Record<string, string> = {}) => ({
  ...connectionInputs(sshd, key),
  orchestrator: 'swarm',
  'stack-name': app().stack,
  'resolve-image': 'never',
  'app-dir': app().appDir,
  'compose-file': 'docker-compose.yaml',
  'health-url': app().healthUrl,
  'wait-timeout': '60',
  'lock-timeout': '60',
  migrate: 'false',
  environment: 'staging',
  ...extra,
});

const head = () =>
  execFileSync('git', ['-c', 'safe.directory=*', '-C', app().appDir, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
const ledger = () => ledgerOf(join(app().appDir, '.deploy'));
const imagesOf = () =>
  Object.fromEntries(Object.entries(app().services()).map(([name, service]) => [name, service.image]));
const replicasOf = () =>
  Object.fromEntries(Object.entries(app().services()).map(([name, service]) => [name, service.replicas]));
const imagesAt = (tag: string) => ({
  db: app().dbImage,
  gateway: `ttswarm/gateway:${tag}`,
  nginx: `ttswarm/nginx:${tag}`,
  worker: `ttswarm/worker:${tag}`,
});
const converged = { db: '1/1', gateway: '2/2', nginx: '1/1', worker: '1/1' };
/**
 * Every replica running, as `docker stack services` counts them. Polled for a while: on a machine busy
 * with other tests a healthcheck may time out and Swarm replace a task right after the run converged.
 */
async function expectConverged(): Promise<void> {
  for (let waited = 0; waited < 30_000 && !isDeepStrictEqual(replicasOf(), converged); waited += 500)
    await new Promise((resolve) => setTimeout(resolve, 500));
  expect(replicasOf()).toEqual(converged);
}

describe('orchestrator swarm (bundled actions, single-node swarm)', () => {
  it('dry run: prints the docker stack deploy it would run and changes nothing', async () => {
    const run = await runBundledAction(
      'action-deploy',
      inputs({ ref: 'v1', 'image-tag': app().tags.v1, 'dry-run': 'true' }),
    );
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/dry run on .*: nothing will be changed/);
    expect(run.stdout).toContain(
      `export IMAGE_TAG='${app().tags.v1}' && exec 'docker' 'stack' 'deploy' '--resolve-image' 'never' '-c' '${app().appDir}/docker-compose.yaml' '${app().stack}'`,
    );
    expect(run.summary).toMatch(/dry run: nothing changed/);
    expect(app().services()).toEqual({});
    expect(ledger()).toEqual([]);
  });

  it('deploys v1 (a new stack), then v2 (migration in a one-off container, rolling update): replicas, image tags, health, ledger', async () => {
    const first = await runBundledAction('action-deploy', inputs({ ref: 'v1', 'image-tag': app().tags.v1 }), {
      timeoutMs: 240_000,
    });
    expect(errorLines(first)).toEqual([]);
    expect(first.code).toBe(0);
    expect(imagesOf()).toEqual(imagesAt(app().tags.v1));
    expect(JSON.parse(app().health())).toEqual({ status: 'healthy', version: 'v1' });

    expect(app().revision()).toBe('0001');
    // v2's migration (the alembic stand-in of the gateway image, against the db service by name).
    const backup = app().backupFile;
    const run = await runBundledAction(
      'action-deploy',
      inputs({
        ref: 'v2',
        'image-tag': app().tags.v2,
        migrate: 'auto',
        'migrate-service': 'gateway',
        'alembic-command': 'alembic',
        'backup-command': `touch ${backup} && echo backup written to ${backup}`,
      }),
      { timeoutMs: 240_000 },
    );
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const { v1, v2 } = app().shas;
    expect(run.outputs).toMatchObject({
      'previous-ref': v1,
      'deployed-ref': v2,
      'attempted-ref': v2,
      'image-tag': app().tags.v2,
      migrated: 'true',
      'rolled-back': 'false',
    });
    // The migration ran once, before the stack update, in a one-off container of the v2 image, which is gone.
    expect(app().revision()).toBe('0002');
    expect(run.stdout).toMatch(
      /migrating in a one-off container of ttswarm\/gateway:v2-\d+ on ttswarm\d+_default/,
    );
    expect(run.stdout).toMatch(/Running upgrade 0001 -> 0002/);
    // The stack's .env reached the services (docker stack reads none) and the one-off migration, and
    // neither the log nor the server's state dir keeps it.
    expect(
      execFileSync(
        'docker',
        [
          'service',
          'inspect',
          `${app().stack}_gateway`,
          '--format',
          '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
        ],
        { encoding: 'utf8' },
      ),
    ).toContain(`APP_SECRET=${SWARM_APP_SECRET}`);
    expect(run.stdout).not.toContain(SWARM_APP_SECRET);
    expect(
      readdirSync(join(app().appDir, '.deploy')).filter((name) => name.startsWith('migrate-env')),
    ).toEqual([]);
    expect(run.stdout.indexOf('Running upgrade 0001 -> 0002')).toBeLessThan(
      run.stdout.indexOf('docker stack deploy'),
    );
    expect(
      execFileSync(
        'docker',
        ['ps', '-aq', '--filter', 'label=tt.run', '--filter', `ancestor=ttswarm/gateway:${app().tags.v2}`],
        { encoding: 'utf8' },
      ).trim(),
    ).toBe('');
    expect(run.summary).toMatch(/0001 → 0002/);
    expect(Number(run.outputs['duration-seconds'])).toBeGreaterThan(0);
    // Progress from Swarm's own update status, in the log.
    expect(run.stdout).toMatch(/gateway: updating \(/);
    expect(run.stdout).toMatch(/gateway: updated, 2\/2 running ttswarm\/gateway:v2-/);
    // The server afterwards
    expect(head()).toBe(v2);
    await expectConverged();
    expect(imagesOf()).toEqual(imagesAt(app().tags.v2));
    expect(JSON.parse(app().health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(ledger().map((entry) => [entry.ref, entry.image_tag, entry.result])).toEqual([
      [v1, app().tags.v1, 'started'],
      [v1, app().tags.v1, 'success'],
      [v2, app().tags.v2, 'started'],
      [v2, app().tags.v2, 'success'],
    ]);
    expect(ledger().at(-1)).toMatchObject({ migration: '0001 -> 0002', backup });
    expect(run.summary).toMatch(/Deploy of stack ttswarm\d+ to staging .*: ✅ done/);
    expect(run.summary).toContain(`gh workflow run rollback.yml -f environment=staging -f to=${v1}`);
  });

  it('a release whose gateway fails: Swarm rolls the gateway back, the deploy fails naming it and goes back to v2', async () => {
    const run = await runBundledAction('action-deploy', inputs({ ref: 'bad', 'image-tag': app().tags.bad }), {
      timeoutMs: 280_000,
    });
    expect(run.code).toBe(1);
    const { v2, bad } = app().shas;
    const errors = errorLines(run).join('\n');
    expect(errors).toMatch(/gateway \((rolled back by Swarm|rollback paused by Swarm)/);
    expect(run.outputs).toMatchObject({
      'previous-ref': v2,
      'attempted-ref': bad,
      'deployed-ref': v2,
      'image-tag': app().tags.v2,
      'rolled-back': 'true',
    });
    // The server afterwards: v2 everywhere again, serving.
    expect(head()).toBe(v2);
    await expectConverged();
    expect(imagesOf()).toEqual(imagesAt(app().tags.v2));
    expect(JSON.parse(app().health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(ledger().at(-1)).toMatchObject({ ref: bad, image_tag: app().tags.bad, result: 'rolled-back' });
    expect(run.summary).toMatch(/failed and rolled back/);
  });

  it('rolls back to the previous release (dry run first): its image tag from the ledger, redeployed and converged', async () => {
    const dry = await runBundledAction('action-rollback', inputs({ to: 'previous', 'dry-run': 'true' }));
    expect(errorLines(dry)).toEqual([]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`export IMAGE_TAG='${app().tags.v1}' && exec 'docker' 'stack' 'deploy'`);
    expect(head()).toBe(app().shas.v2);
    expect(imagesOf()).toEqual(imagesAt(app().tags.v2));

    const run = await runBundledAction('action-rollback', inputs({ to: 'previous' }), { timeoutMs: 240_000 });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const { v1, v2 } = app().shas;
    expect(run.outputs).toMatchObject({ 'from-ref': v2, 'to-ref': v1, 'restored-backup': '' });
    expect(head()).toBe(v1);
    await expectConverged();
    expect(imagesOf()).toEqual(imagesAt(app().tags.v1));
    expect(JSON.parse(app().health())).toEqual({ status: 'healthy', version: 'v1' });
    expect(ledger().at(-1)).toMatchObject({
      ref: v1,
      image_tag: app().tags.v1,
      previous_ref: v2,
      result: 'success',
      action: 'rollback',
    });
  });

  it('health: every replica running and the health URL healthy pass; a service with 0/1 running fails, named', async () => {
    const healthInputs = {
      ...connectionInputs(sshd, key),
      orchestrator: 'swarm',
      'stack-name': app().stack,
      'app-dir': app().appDir,
      'server-url': app().healthUrl,
      retries: '3',
      interval: '2',
    };
    await expectConverged();
    const good = await runBundledAction('action-health', healthInputs);
    expect(errorLines(good)).toEqual([]);
    expect(good.code).toBe(0);
    expect(good.outputs.healthy).toBe('true');
    const rows = (
      JSON.parse(good.outputs.report) as { checks: { check: string; value: string; verdict: string }[] }
    ).checks;
    expect(rows.map((row) => [row.check, row.verdict])).toEqual([
      ['service db', 'pass'],
      ['service gateway', 'pass'],
      ['service nginx', 'pass'],
      ['service worker', 'pass'],
      [`server-url ${app().healthUrl}`, 'pass'],
    ]);
    expect(rows[1].value).toMatch(/^2\/2 running/);

    // The worker's one task can be placed nowhere: 0/1 running.
    execFileSync('docker', [
      'service',
      'update',
      '--detach',
      '--update-order',
      'stop-first',
      '--update-failure-action',
      'continue',
      '--constraint-add',
      'node.labels.ttswarm-nowhere==true',
      `${app().stack}_worker`,
    ]);
    for (let waited = 0; replicasOf().worker !== '0/1' && waited < 30_000; waited += 500)
      await new Promise((resolve) => setTimeout(resolve, 500));
    const bad = await runBundledAction('action-health', healthInputs);
    expect(bad.code).toBe(1);
    expect(bad.outputs.healthy).toBe('false');
    expect(errorLines(bad).join('\n')).toMatch(/service worker: 0\/1 running/);
    expect(outsideFences(bad.stdout).join('\n')).not.toMatch(/service gateway: .*fail/);
  });
});
