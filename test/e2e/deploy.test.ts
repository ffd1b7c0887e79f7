/**
 * action-deploy end to end: the bundled dist/index.js, run as the runner runs it, against a real sshd
 * in front of the local Docker engine, a real git checkout and a real PostgreSQL with alembic.
 * Every test checks the server afterwards, not only the log.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Sshd } from '../harness/sshd';
import { errorLines, runBundledAction, type ActionRun } from '../harness/runner';
import { imageTagOf, ledgerOf, waitLockFree, type Stack } from '../harness/stack';
import type { Postgres } from '../harness/postgres';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(300_000);

let sandbox: Sandbox;
let sshd: Sshd;
let stack: Stack;
let pg: Postgres;

beforeAll(async () => {
  // The database as v1 left it: its migration applied, and data in it.
  sandbox = await startSandbox('deploy', 'kept across deploys');
  ({ sshd, stack, pg } = sandbox);
});
afterAll(() => sandbox?.stop());

const inputs = (extra: Record<string, string> = {}) =>
  sandbox.inputs({ 'lock-timeout': '120', environment: 'staging', ...extra });

const stateDir = () => join(stack.appDir, '.deploy');
const head = () => sandbox.head();
const revision = () => sandbox.revision();
const gatewayImage = () =>
  execFileSync('docker', ['inspect', '--format', '{{.Config.Image}}', stack.containerOf('gateway')], {
    encoding: 'utf8',
  }).trim();
const lastLedger = () => ledgerOf(stateDir()).at(-1);
const report = (run: ActionRun) =>
  JSON.parse(run.outputs.report) as { services: { service: string; ok: boolean; state: string }[] };

describe('action-deploy (bundled)', () => {
  it('refuses bad inputs, shell metacharacters included, before connecting', async () => {
    const before = (sshd.log().match(/Connection from/g) ?? []).length;
    const run = await runBundledAction(
      'action-deploy',
      inputs({
        ref: '--upload-pack=touch /tmp/pwned',
        'image-tag': 'v1;id',
        services: 'gateway;rm -rf /',
        'app-dir': '/opt/$(id)',
        'health-url': 'http://x/`id`',
        'alembic-command': 'alembic; rm -rf /',
        environment: 'prod;id',
        strategy: 'blue-green',
      }),
    );
    expect(run.code).toBe(1);
    const errors = errorLines(run).join('\n');
    for (const input of [
      'ref',
      'image-tag',
      'services',
      'app-dir',
      'health-url',
      'alembic-command',
      'environment',
      'strategy',
    ]) {
      expect(errors).toContain(`Input '${input}'`);
    }
    expect((sshd.log().match(/Connection from/g) ?? []).length).toBe(before);
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('dry run: prints the plan from the live state and changes nothing', async () => {
    const containerBefore = stack.containerOf('gateway');
    const run = await runBundledAction('action-deploy', inputs({ ref: 'v2', 'dry-run': 'true' }));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/dry run on .*: nothing will be changed/);
    expect(run.stdout).toMatch(/check out [0-9a-f]{12}/);
    expect(run.stdout).toMatch(/migrate the database/);
    expect(run.stdout).toMatch(
      /\$ cd '.*' && export IMAGE_TAG='git-[0-9a-f]{12}' && exec 'docker-compose' '-f' 'docker\/docker-compose-prod.yaml' 'up' '-d' '--no-deps' 'gateway'/,
    );
    expect(run.summary).toMatch(/dry run: nothing changed/);
    expect(head()).toBe(stack.repo.shas.v1);
    expect(revision()).toBe('0001');
    expect(stack.containerOf('gateway')).toBe(containerBefore);
    expect(ledgerOf(stateDir())).toEqual([]);
  });

  it('deploys v1 to v2: checkout, build, backup, migration, rolling restart, ledger', async () => {
    const run = await runBundledAction('action-deploy', inputs({ ref: 'v2' }));
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const { v1, v2 } = stack.repo.shas;
    expect(run.outputs).toMatchObject({
      'previous-ref': v1,
      'deployed-ref': v2,
      'attempted-ref': v2,
      'image-tag': imageTagOf(v2),
      migrated: 'true',
      'rolled-back': 'false',
    });
    // The server afterwards
    expect(head()).toBe(v2);
    expect(JSON.parse(stack.health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(gatewayImage()).toBe(`thinktank-fixture/gateway:${imageTagOf(v2)}`);
    expect(revision()).toBe('0002');
    expect(pg.sql('SELECT name FROM items')).toBe('kept across deploys');
    const entry = lastLedger();
    expect(entry).toMatchObject({
      ref: v2,
      previous_ref: v1,
      result: 'success',
      image_tag: imageTagOf(v2),
      migration: '0001 -> 0002',
      environment: 'staging',
    });
    expect(readFileSync(entry?.backup ?? '', 'utf8')).toContain('kept across deploys');
    expect(report(run).services.map((s) => [s.service, s.ok, s.state])).toEqual([
      ['gateway', true, 'healthy'],
      ['worker', true, expect.stringMatching(/^running \(no healthcheck\), up \d+\.\ds without a restart$/)],
    ]);
    // Log groups per stage, with durations; the summary tells before/after and how to roll back
    expect(run.stdout).toMatch(
      /::group::Restart gateway \(.*\)[\s\S]*::endgroup::\nRestart gateway \(.*\): \d+\.\ds/,
    );
    expect(run.summary).toMatch(/ALTER TABLE items ADD COLUMN note TEXT/);
    expect(run.summary).toContain(`gh workflow run rollback.yml -f environment=staging -f to=${v1}`);
    // The timeline: a mermaid gantt of the stages that ran, in order, before the details; the report has them
    const stages = (JSON.parse(run.outputs.report) as { stages: { name: string; result: string }[] }).stages;
    expect(stages.map((stage) => stage.result)).toEqual(stages.map(() => 'ok'));
    const gantt = /```mermaid\ngantt\n[\s\S]*?\n```/.exec(run.summary)?.[0] ?? '';
    expect(gantt).toMatch(/^ {4}dateFormat x$/m);
    const bars = gantt.split('\n').filter((line) => / :\d+, \d+$/.test(line));
    expect(bars).toHaveLength(stages.length);
    const order = [
      'Read the live state',
      `Check out ${v2.slice(0, 12)}`,
      `Build images (${imageTagOf(v2)})`,
      'Migrate the database',
      'Restart gateway',
    ].map((name) => bars.findIndex((bar) => bar.startsWith(`    ${name} `)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order).not.toContain(-1);
    expect(run.summary.indexOf(gantt)).toBeLessThan(run.summary.indexOf('### Services'));
    // The state dir stays out of git's way
    expect(stack.repo.git('status', '--porcelain')).not.toMatch(/\.deploy/);
  });

  it('re-deploying the running commit restarts nothing, records "unchanged", and reports a GitHub Deployment', async () => {
    const requests: { path: string; body: Record<string, unknown>; auth?: string }[] = [];
    const api = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        requests.push({
          path: request.url ?? '',
          body: JSON.parse(text) as Record<string, unknown>,
          auth: request.headers.authorization,
        });
        response.writeHead(201, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 7 }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const container = stack.containerOf('gateway');
      const run = await runBundledAction(
        'action-deploy',
        inputs({ ref: stack.repo.shas.v2, 'github-token': 'gh-test-token' }),
        {
          env: {
            GITHUB_API_URL: `http://127.0.0.1:${(api.address() as { port: number }).port}`,
            GITHUB_REPOSITORY: 'thinktank/app',
            GITHUB_RUN_ID: '99',
            GITHUB_SERVER_URL: 'https://github.com',
          },
        },
      );
      expect(run.code).toBe(0);
      expect(run.outputs.migrated).toBe('false');
      expect(stack.containerOf('gateway')).toBe(container);
      expect(lastLedger()).toMatchObject({
        ref: stack.repo.shas.v2,
        result: 'unchanged',
        run_url: 'https://github.com/thinktank/app/actions/runs/99',
      });
      expect(requests.map((r) => [r.path, r.body.state ?? r.body.environment, r.auth])).toEqual([
        ['/repos/thinktank/app/deployments', 'staging', 'Bearer gh-test-token'],
        ['/repos/thinktank/app/deployments/7/statuses', 'in_progress', 'Bearer gh-test-token'],
        ['/repos/thinktank/app/deployments/7/statuses', 'success', 'Bearer gh-test-token'],
      ]);
      expect(requests[2].body.log_url).toBe('https://github.com/thinktank/app/actions/runs/99');
      // The token appears only in the runner's masking commands.
      const withToken = run.stdout.split('\n').filter((line) => line.includes('gh-test-token'));
      expect(withToken.length).toBeGreaterThan(0);
      expect(withToken.filter((line) => line !== '::add-mask::gh-test-token')).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('rolls back automatically when /health says unhealthy after the restart', async () => {
    const { v2 } = stack.repo.shas;
    const run = await runBundledAction('action-deploy', inputs({ ref: 'bad-health', 'wait-timeout': '6' }));
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'rolled-back': 'true',
      'deployed-ref': v2,
      'attempted-ref': stack.repo.shas['bad-health'],
    });
    expect(run.stdout).toMatch(
      /::error::deploy of [0-9a-f]{12} failed and was rolled back to [0-9a-f]{12}: .*did not report healthy within 6s/,
    );
    expect(head()).toBe(v2);
    expect(JSON.parse(stack.health())).toEqual({ status: 'healthy', version: 'v2' });
    expect(gatewayImage()).toBe(`thinktank-fixture/gateway:${imageTagOf(v2)}`);
    expect(lastLedger()).toMatchObject({
      ref: stack.repo.shas['bad-health'],
      previous_ref: v2,
      result: 'rolled-back',
    });
    expect(run.summary).toMatch(/failed and rolled back/);
  });

  it('rolls back a release whose container never becomes healthy; a deploy started meanwhile waits for the lock', async () => {
    const { v2 } = stack.repo.shas;
    const first = runBundledAction('action-deploy', inputs({ ref: 'never-healthy' }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = runBundledAction('action-deploy', inputs({ ref: 'v2' }));
    const [a, b] = await Promise.all([first, second]);
    expect(a.code).toBe(1);
    expect(a.outputs['rolled-back']).toBe('true');
    expect(report(a).services.find((s) => s.service === 'gateway')?.state).toMatch(/unhealthy/);
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/the deploy lock is held by .*"action":"deploy"/);
    expect(head()).toBe(v2);
    expect(JSON.parse(stack.health()).version).toBe('v2');
    const results = ledgerOf(stateDir())
      .slice(-2)
      .map((entry) => entry.result);
    expect(results).toEqual(['rolled-back', 'unchanged']);
  });

  it('a lost connection mid-deploy ends clearly and releases the lock', async () => {
    let killed = false;
    const run = await runBundledAction('action-deploy', inputs({ ref: 'bad-health', 'wait-timeout': '60' }), {
      onStart: (child) =>
        child.stdout?.on('data', (chunk: Buffer) => {
          if (!killed && /health-url|::group::Restart gateway/.test(chunk.toString())) {
            killed = true;
            setTimeout(() => sshd.killConnections(), 1500);
          }
        }),
    });
    expect(killed).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::the connection to .* was lost during the deploy of [0-9a-f]{12}.*the deploy lock was released/,
    );
    // The lock is free again: flock -n succeeds (within the moment the server takes to see the loss).
    await waitLockFree(stateDir());
    // And a new deploy puts v2 back.
    const again = await runBundledAction('action-deploy', inputs({ ref: 'v2' }));
    expect(again.code).toBe(0);
    expect(JSON.parse(stack.health()).version).toBe('v2');
  });
});
