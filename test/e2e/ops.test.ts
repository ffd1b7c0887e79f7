/**
 * action-ops end to end: the bundled action against a real sshd, the local Docker engine holding the
 * fixture stack (with its postgres, redis and backup containers) and a real PostgreSQL. Each operation is
 * checked on the server afterwards: container ids and start times, images, volumes, database rows and
 * the ledger.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Postgres } from '../harness/postgres';
import { cancelWhen, errorLines, runBundledAction, type ActionRun } from '../harness/runner';
import { startSandbox, type Sandbox } from '../harness/sandbox';
import type { Sshd } from '../harness/sshd';
import { imageTagOf, ledgerOf, waitStackHealthy, type Stack } from '../harness/stack';

jest.setTimeout(300_000);

let sandbox: Sandbox;
let sshd: Sshd;
let stack: Stack;
let pg: Postgres;

const nonce = `${process.pid}${Math.floor(Math.random() * 1e6)}`;
const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const exists = (kind: 'image' | 'container' | 'volume', name: string) => {
  try {
    docker(kind, 'inspect', name);
    return true;
  } catch {
    return false;
  }
};
const stateOf = (id: string) =>
  JSON.parse(docker('inspect', '--format', '{{json .State}}', id)) as {
    Status: string;
    StartedAt: string;
    Health?: { Status: string };
  };
/** The stack's containers by service (compose's own, one-off ones left out), read from Docker directly. */
function containersNow(): { service: string; id: string; started: string }[] {
  const ids = docker(
    'ps',
    '-aq',
    '--no-trunc',
    '--filter',
    `label=com.docker.compose.project=${stack.project}`,
    '--filter',
    'label=com.docker.compose.oneoff=False',
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return docker(
    'inspect',
    '--format',
    '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.State.StartedAt}}',
    ...ids,
  )
    .split('\n')
    .map((line) => line.split(' '))
    .map(([service, id, started]) => ({ service, id, started }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
const idsOf = (service: string) =>
  containersNow()
    .filter((container) => container.service === service)
    .map((container) => container.id);
const ledger = () => ledgerOf(join(stack.appDir, '.deploy'));
const connections = () => (sshd.log().match(/Connection from/g) ?? []).length;
const names = () => pg.sql("SELECT string_agg(name, ',' ORDER BY id) FROM items");
const backups = () => readdirSync(sandbox.backupDir).sort();
const report = (run: ActionRun) =>
  JSON.parse(run.outputs.report) as {
    result: string;
    before: Record<string, { id: string; startedAt: string; state: string }[]>;
    after: Record<string, { id: string; startedAt: string; state: string; health: string }[]>;
    restoredBackup?: string;
    emergencyBackup?: string;
    reclaim?: { images: string[]; keptImages: string[]; containers: { name: string }[]; volumes: string[] };
    disk?: { before: { filesystem: string }; after?: { filesystem: string } };
  };

const ops = (extra: Record<string, string>, options = {}) =>
  runBundledAction(
    'action-ops',
    {
      ...sandbox.inputs({ environment: 'production' }),
      'min-uptime': '1',
      'wait-timeout': '15',
      'postgres-container': stack.containers.postgres,
      'backup-command': `docker exec ${stack.containers.backup} /usr/local/bin/backup.sh`,
      'restore-command': `docker exec -i ${stack.containers.backup} /usr/local/bin/restore.sh`,
      ...extra,
    },
    options,
  );

async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every service's container ids and start times: what "nothing changed" compares. */
const snapshot = () => {
  const containers = containersNow();
  return Object.fromEntries(
    ['gateway', 'langgraph', 'worker', 'nginx', 'redis', 'postgres', 'backup'].map((service) => [
      service,
      containers.filter((c) => c.service === service).map((c) => `${c.id} ${c.started}`),
    ]),
  );
};

beforeAll(async () => {
  sandbox = await startSandbox('ops', 'v1 row');
  ({ sshd, stack, pg } = sandbox);
  await waitStackHealthy(stack, ['gateway', 'langgraph', 'worker', 'nginx', 'redis', 'postgres', 'backup']);
}, 300_000);
afterAll(() => sandbox?.stop());

describe('action-ops (bundled)', () => {
  it.each([
    [{ operation: 'restart' }, 'service'],
    [{ operation: 'scale', service: 'worker', replicas: '2.5' }, 'replicas'],
    [{ operation: 'scale', service: 'worker' }, 'replicas'],
    [{ operation: 'recover-database' }, 'confirm'],
    [{ operation: 'recover-database', confirm: 'Production' }, 'confirm'],
    [{ operation: 'reclaim-disk', 'prune-volumes': 'true' }, 'confirm'],
    [{ operation: 'nuke' }, 'operation'],
    [{ operation: 'restart', service: 'gateway;touch /tmp/pwned' }, 'service'],
  ])('refuses %j before connecting; nothing is done', async (bad, input) => {
    const seen = connections();
    const before = snapshot();
    const entries = ledger().length;
    const run = await ops(bad);
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toContain(`Input '${input}'`);
    expect(connections()).toBe(seen);
    expect(snapshot()).toEqual(before);
    expect(ledger()).toHaveLength(entries);
  });

  it('dry run: prints what would run and changes nothing (no lock, no ledger, no backup)', async () => {
    // recover-database needs a backup to name.
    docker('exec', stack.containers.backup, '/usr/local/bin/backup.sh');
    const before = snapshot();
    const files = backups();
    for (const operation of ['restart-stack', 'recover-database', 'reclaim-disk']) {
      const run = await ops({ operation, 'dry-run': 'true', confirm: 'production' });
      expect(errorLines(run)).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`dry run on ${sshd.address}:${sshd.port}: nothing will be changed`);
      expect(run.stdout).toMatch(/\$ (cd '.*' && )?.*exec '(docker-compose|docker)'/);
      expect(report(run).result).toBe('unchanged');
      expect(run.summary).toContain('🔎 dry run: nothing changed');
    }
    expect(snapshot()).toEqual(before);
    expect(backups()).toEqual(files);
    expect(ledger()).toEqual([]);
  });

  it('restart: the same container, a fresh process, gated; in the ledger and the report', async () => {
    const [id] = idsOf('gateway');
    const startedBefore = stateOf(id).StartedAt;
    const run = await ops({ operation: 'restart', service: 'gateway' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(idsOf('gateway')).toEqual([id]);
    const now = stateOf(id);
    expect(now.StartedAt > startedBefore).toBe(true);
    expect(now).toMatchObject({ Status: 'running', Health: { Status: 'healthy' } });
    const { before, after } = report(run);
    expect(before.gateway).toEqual([
      expect.objectContaining({ id: id.slice(0, 12), startedAt: startedBefore }),
    ]);
    expect(after.gateway).toEqual([
      expect.objectContaining({
        id: id.slice(0, 12),
        startedAt: now.StartedAt,
        state: 'running',
        health: 'healthy',
      }),
    ]);
    expect(run.stdout).toMatch(/gateway: healthy after/);
    expect(ledger().slice(-2)).toEqual([
      expect.objectContaining({
        action: 'ops',
        operation: 'restart gateway',
        result: 'started',
        ref: sandbox.head(),
      }),
      expect.objectContaining({
        action: 'ops',
        operation: 'restart gateway',
        result: 'success',
        image_tag: imageTagOf(stack.repo.shas.v1),
      }),
    ]);
    expect(run.summary).toMatch(/restart gateway: ✅ done/);
  });

  it('a restarted service that does not come back healthy fails the run, named, and the report says so', async () => {
    const [id] = idsOf('langgraph');
    docker('exec', id, 'rm', '/www/langgraph/ok');
    await waitFor(() => stateOf(id).Health?.Status === 'unhealthy');
    const run = await ops({ operation: 'restart', service: 'langgraph', 'wait-timeout': '8' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::restart langgraph on production failed: langgraph did not pass its gate after the restart: container [0-9a-f]{12} is unhealthy/,
    );
    expect(run.stdout).toMatch(/langgraph \(running, unhealthy; so before restart langgraph too\)/);
    expect(report(run).after.langgraph).toEqual([
      expect.objectContaining({ state: 'running', health: 'unhealthy' }),
    ]);
    expect(ledger().at(-1)).toMatchObject({ operation: 'restart langgraph', result: 'failed' });
    // Runbook §9's diagnostics of the failed service: its state and last log lines, the stack's events.
    expect(run.summary).toMatch(/<summary>Diagnostics[\s\S]*--- langgraph: container [\s\S]*"Health"/);
    // Docker keeps its last 256 events only: with healthchecks every second the window is seconds.
    expect(run.summary).toContain('Docker events of the stack');
    expect(run.outputs.diagnostics).toMatch(/thinktank-diagnostics-ops-/);
  });

  it('restart-stack stops at the first service that fails and says which; then restarts every service in order', async () => {
    const before = Object.fromEntries(
      ['gateway', 'worker', 'langgraph', 'nginx', 'redis'].map((s) => [s, stateOf(idsOf(s)[0]).StartedAt]),
    );
    const failed = await ops({ operation: 'restart-stack', 'wait-timeout': '8' });
    expect(failed.code).toBe(1);
    // The listed services first, in their order; the others as the compose configuration lists them.
    expect(failed.stdout).toMatch(
      /restart-stack stopped at langgraph: restarted before it: gateway, worker(, [a-z]+)*; not restarted: [a-z, ]*nginx/,
    );
    for (const service of ['gateway', 'worker', 'langgraph'])
      expect(stateOf(idsOf(service)[0]).StartedAt > before[service]).toBe(true);
    for (const service of ['nginx', 'redis'])
      expect(stateOf(idsOf(service)[0]).StartedAt).toBe(before[service]);

    docker('exec', idsOf('langgraph')[0], 'sh', '-c', 'echo ok > /www/langgraph/ok');
    const ids = snapshot();
    const run = await ops({ operation: 'restart-stack' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const order = [...run.stdout.matchAll(/::group::Restart (\S+)/g)].map((match) => match[1]);
    expect(order.slice(0, 2)).toEqual(['gateway', 'worker']);
    // Not the database nor the backup container (postgres-container, backup-command's container).
    expect([...order].sort()).toEqual(['gateway', 'langgraph', 'nginx', 'redis', 'worker']);
    expect(run.stdout).toMatch(
      /not restarted: (postgres, backup|backup, postgres) \(the database's or the backup container/,
    );
    for (const [service, entries] of Object.entries(ids)) {
      const [id, started] = entries[0].split(' ');
      expect(idsOf(service)).toEqual([id]);
      if (service === 'postgres' || service === 'backup') expect(stateOf(id).StartedAt).toBe(started);
      else expect(stateOf(id).StartedAt > started).toBe(true);
    }
    expect(ledger().at(-1)).toMatchObject({ operation: 'restart-stack', result: 'success' });
  });

  it('scale worker to 2 and back to 1: the running container stays, the new one is gated, then removed', async () => {
    const [original] = idsOf('worker');
    const up = await ops({ operation: 'scale', service: 'worker', replicas: '2' });
    expect(errorLines(up)).toEqual([]);
    expect(up.code).toBe(0);
    const two = idsOf('worker');
    expect(two).toHaveLength(2);
    expect(two).toContain(original);
    for (const id of two) expect(stateOf(id).Status).toBe('running');
    expect(report(up).after.worker).toHaveLength(2);
    const down = await ops({ operation: 'scale', service: 'worker', replicas: '1' });
    expect(errorLines(down)).toEqual([]);
    expect(down.code).toBe(0);
    expect(idsOf('worker')).toEqual([original]);
    expect(ledger().slice(-3)).toEqual([
      expect.objectContaining({ operation: 'scale worker=2', result: 'success' }),
      expect.objectContaining({ operation: 'scale worker=1', result: 'started' }),
      expect.objectContaining({ operation: 'scale worker=1', result: 'success' }),
    ]);
  });

  it('scale is refused, before anything runs, for a service with a fixed host port', async () => {
    const before = snapshot();
    const entries = ledger().length;
    const run = await ops({ operation: 'scale', service: 'nginx', replicas: '2' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::scale nginx=2 refused: nginx cannot run 2 containers: it publishes fixed host ports .*; nothing was changed/,
    );
    expect(snapshot()).toEqual(before);
    expect(ledger()).toHaveLength(entries);
  });

  it('a scale cancelled while its new container is gated: the new one is removed, the journal says cancelled', async () => {
    const [original] = idsOf('worker');
    const cancel = cancelWhen(/::group::Scale worker to 2/, 2500);
    const run = await ops(
      { operation: 'scale', service: 'worker', replicas: '2', 'min-uptime': '60', 'wait-timeout': '90' },
      { ...cancel, env: { GITHUB_RUN_ID: 'cancelled-scale' } },
    );
    expect(cancel.signalled()).toBeGreaterThan(0);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::cancelled by SIGINT: .*Cancelled while scaling worker; worker now: running/,
    );
    expect(idsOf('worker')).toEqual([original]);
    expect(ledger().at(-1)).toMatchObject({ run_id: 'cancelled-scale', result: 'cancelled' });
  });

  it('recover-database is refused when postgres-container names no container: nothing is stopped', async () => {
    const before = snapshot();
    const run = await ops({
      operation: 'recover-database',
      confirm: 'production',
      'postgres-container': 'no-such-pg',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::recover-database refused: postgres-container no-such-pg is no container/,
    );
    expect(snapshot()).toEqual(before);
  });

  it('recover-database: stop, pg_isready, emergency backup, restore the newest good backup, start, gate', async () => {
    docker('exec', stack.containers.backup, '/usr/local/bin/backup.sh');
    const good = join(sandbox.backupDir, backups().at(-1) ?? '');
    pg.sql("UPDATE items SET name = 'changed after the backup'");
    const files = backups();
    const ids = { gateway: idsOf('gateway'), worker: idsOf('worker') };
    const run = await ops({ operation: 'recover-database', confirm: 'production' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(names()).toBe('v1 row');
    const created = backups().filter((file) => !files.includes(file));
    expect(created).toHaveLength(1);
    const emergency = join(sandbox.backupDir, created[0]);
    expect(readFileSync(emergency, 'utf8')).toContain('changed after the backup');
    expect(run.stdout).toMatch(/PostgreSQL answers \(.*accepting connections\)/);
    expect(report(run)).toMatchObject({
      restoredBackup: good,
      emergencyBackup: emergency,
      result: 'success',
    });
    // Started again: the same containers, running.
    expect({ gateway: idsOf('gateway'), worker: idsOf('worker') }).toEqual(ids);
    await waitStackHealthy(stack, ['gateway', 'worker'], 5000);
    expect(ledger().at(-1)).toMatchObject({
      action: 'ops',
      operation: 'recover-database',
      result: 'success',
      backup: good,
      emergency_backup: emergency,
    });
    expect(run.summary).toContain(`emergency backup (the database as it was before): ${emergency}`);
  });

  it('recover-database when PostgreSQL does not answer: no emergency backup, the newest good backup all the same', async () => {
    pg.sql("UPDATE items SET name = 'changed again'");
    const files = backups();
    // pg_isready is not in the redis container: it "does not answer".
    const run = await ops({
      operation: 'recover-database',
      confirm: 'production',
      'postgres-container': stack.containers.redis,
    });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PostgreSQL does not answer \(.*\): no emergency backup can be taken/);
    expect(backups()).toEqual(files);
    // The newest good backup is still the one taken by hand: the previous run's emergency backup is never it.
    expect(names()).toBe('v1 row');
    expect(ledger().at(-1)).toMatchObject({ operation: 'recover-database', result: 'success' });
    expect(ledger().at(-1)).not.toHaveProperty('emergency_backup');
  });

  it('recover-database cancelled during its emergency backup: nothing restored, the services started again', async () => {
    pg.sql("UPDATE items SET name = 'kept: the recovery was cancelled'");
    const ids = { gateway: idsOf('gateway'), worker: idsOf('worker') };
    const cancel = cancelWhen(/::group::Emergency backup/, 1000);
    const run = await ops(
      {
        operation: 'recover-database',
        confirm: 'production',
        'backup-command': `sleep 30 && docker exec ${stack.containers.backup} /usr/local/bin/backup.sh`,
      },
      { ...cancel, env: { GITHUB_RUN_ID: 'cancelled-recovery' } },
    );
    expect(cancel.signalled()).toBeGreaterThan(0);
    expect(Date.now() - cancel.signalled()).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::cancelled by SIGINT: .*Cancelled during the emergency backup, before anything was restored: gateway, worker were started again/,
    );
    expect(names()).toBe('kept: the recovery was cancelled');
    expect({ gateway: idsOf('gateway'), worker: idsOf('worker') }).toEqual(ids);
    await waitStackHealthy(stack, ['gateway', 'worker'], 15_000);
    expect(ledger().at(-1)).toMatchObject({ run_id: 'cancelled-recovery', result: 'cancelled' });
  });

  /** A backup file name newer than every other (the fixture's names: thinktank_daily_YYYYMMDD_HHMMSS_<pid>). */
  const newestName = (minutes: number) =>
    `thinktank_daily_${new Date(Date.now() + minutes * 60_000)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace('T', '_')
      .slice(0, 15)}_1.sql`;
  const statusOf = (service: string) => stateOf(idsOf(service)[0]).Status;

  it('an emergency backup whose command names the wrong file is still journalled: every new backup is untrusted', async () => {
    const files = backups();
    const run = await ops({
      operation: 'recover-database',
      confirm: 'production',
      // Its last line names another file: the new file is found by listing the backups before and after.
      'backup-command': `docker exec ${stack.containers.backup} /usr/local/bin/backup.sh && echo /elsewhere/named.sql`,
    });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const created = backups().filter((file) => !files.includes(file));
    expect(created).toHaveLength(1);
    expect(ledger().at(-1)).toMatchObject({
      operation: 'recover-database',
      result: 'success',
      untrusted_backups: expect.arrayContaining([
        join(sandbox.backupDir, created[0]),
        '/elsewhere/named.sql',
      ]),
    });
    expect(names()).toBe('v1 row');
  });

  it('a restore that fails after the prompt leaves the services stopped, says production is down; its backup is never `latest` again', async () => {
    // Truncated: restore.sh drops the schema, then psql stops at the error.
    const broken = join(sandbox.backupDir, newestName(1));
    writeFileSync(broken, 'CREATE TABLE broken (\n');
    try {
      const run = await ops(
        { operation: 'recover-database', confirm: 'production' },
        { env: { GITHUB_RUN_ID: 'failed-restore' } },
      );
      expect(run.code).toBe(1);
      expect(report(run).restoredBackup).toBe(broken);
      expect(run.stdout).toMatch(
        /PRODUCTION IS DOWN: gateway, worker are stopped because the restore exited with code \d+; the database may be partly restored/,
      );
      expect(run.summary).toMatch(/\[!CAUTION\][\s\S]*PRODUCTION IS DOWN/);
      for (const service of ['gateway', 'worker']) expect(statusOf(service)).toBe('exited');
      expect(ledger().at(-1)).toMatchObject({
        run_id: 'failed-restore',
        result: 'failed',
        backup: broken,
        untrusted_backups: expect.arrayContaining([broken]),
      });
      // The next recovery takes the newest trusted backup, not that one, and starts the services.
      const again = await ops({ operation: 'recover-database', confirm: 'production' });
      expect(errorLines(again)).toEqual([]);
      expect(again.code).toBe(0);
      expect(report(again).restoredBackup).not.toBe(broken);
      expect(names()).toBe('v1 row');
      await waitStackHealthy(stack, ['gateway', 'worker'], 15_000);
    } finally {
      rmSync(broken, { force: true });
    }
  });

  it('an empty newest backup is skipped before anything is stopped', async () => {
    const empty = join(sandbox.backupDir, newestName(2));
    writeFileSync(empty, '');
    try {
      const run = await ops({ operation: 'recover-database', confirm: 'production' });
      expect(errorLines(run)).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/skipped: the backup .*_1\.sql is not there or is empty in /);
      expect(report(run).restoredBackup).not.toBe(empty);
    } finally {
      rmSync(empty, { force: true });
    }
  });

  it('recover-database from a backup behind the checkout’s migrations fails and names the migrate command; the services run', async () => {
    docker('exec', stack.containers.backup, '/usr/local/bin/backup.sh');
    const dump = readFileSync(join(sandbox.backupDir, backups().at(-1) ?? ''), 'utf8');
    // The same data at base: no alembic revision.
    const atBase = dump.replace(/(COPY public\.alembic_version [^\n]*\n)[^\n]*\n(\\\.)/, '$1$2');
    expect(atBase).not.toBe(dump);
    const old = join(sandbox.backupDir, newestName(3));
    writeFileSync(old, atBase);
    try {
      const run = await ops({ operation: 'recover-database', confirm: 'production' });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /code and schema do not match: the database is at \(base\) but [0-9a-f]{12}'s migrations end at 0001\. The restored backup was taken at another revision\. To reconcile: gh workflow run migrate\.yml -f environment=production -f direction=upgrade/,
      );
      for (const service of ['gateway', 'worker']) expect(statusOf(service)).toBe('running');
      expect(ledger().at(-1)).toMatchObject({ operation: 'recover-database', result: 'failed' });
    } finally {
      rmSync(old, { force: true });
      pg.sql("INSERT INTO alembic_version (version_num) VALUES ('0001')");
    }
    expect(sandbox.revision()).toBe('0001');
  });

  describe('reclaim-disk', () => {
    const project = () => stack.project;
    const prevTag = `ops-prev-${nonce}`;
    const staleTag = `ops-stale-${nonce}`;
    const stray = `tt-ops-stray-${nonce}`;
    const volumes = { stack: '', unused: `tt-ops-unused-${nonce}`, mounted: `tt-ops-mounted-${nonce}` };
    /** Another stack's unused image on the same engine: not this stack's repository, so it stays. */
    const other = `tt-ops-other-stack-${nonce}/api:previous`;
    const keepers: string[] = [];
    const build = (tag: string) =>
      execFileSync('docker', ['build', '-q', '-t', `thinktank-fixture/worker:${tag}`, '-'], {
        input: `FROM thinktank-fixture-base:latest\nLABEL tt.ops-test=${tag}\n`,
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'pipe'],
      }).trim();
    const quietly = (...args: string[]) => spawnSync('docker', args, { stdio: 'ignore' });

    beforeAll(() => {
      volumes.stack = `${project()}_data`;
      const prevId = build(prevTag);
      const staleId = build(staleTag);
      execFileSync('docker', ['build', '-q', '-t', other, '-'], {
        input: `FROM thinktank-fixture-base:latest\nLABEL tt.ops-test=other-${nonce}\n`,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      // Other sandboxes on this engine (tests run side by side) use this stack's repositories too: their
      // images are pinned by a stopped container of another compose project, so that the run removes only
      // what this test made for it. No other image is pinned: reclaim-disk must leave them alone.
      const ours = docker('images', '--no-trunc', '--format', '{{.Repository}} {{.ID}}')
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([repository]) => repository.startsWith('thinktank-fixture/'))
        .map(([, id]) => id);
      for (const id of new Set(ours)) {
        if (id === prevId || id === staleId) continue;
        keepers.push(
          docker('create', '--label', `com.docker.compose.project=tt-ops-pins-${nonce}`, id, 'true'),
        );
      }
      docker('volume', 'create', '--label', `com.docker.compose.project=${project()}`, volumes.stack);
      docker('volume', 'create', volumes.unused);
      docker('volume', 'create', volumes.mounted);
      keepers.push(
        docker(
          'create',
          '--label',
          `com.docker.compose.project=${project()}`,
          '-v',
          `${volumes.mounted}:/data`,
          'thinktank-fixture-base:latest',
          'true',
        ),
      );
      docker('create', '--name', stray, 'thinktank-fixture-base:latest', 'true');
      // The previous release, as the ledger names it: v2 with that image tag.
      appendFileSync(
        join(stack.appDir, '.deploy/releases.jsonl'),
        `${JSON.stringify({
          time: new Date().toISOString(),
          environment: 'production',
          ref: stack.repo.shas.v2,
          image_tag: prevTag,
          previous_ref: stack.repo.shas.v1,
          migration: '',
          actor: 'test',
          run_url: '',
          result: 'success',
          action: 'deploy',
        })}\n`,
      );
    });
    afterAll(() => {
      quietly('rm', '-f', stray, ...keepers);
      quietly('volume', 'rm', '-f', ...Object.values(volumes));
      quietly(
        'rmi',
        '-f',
        `thinktank-fixture/worker:${prevTag}`,
        `thinktank-fixture/worker:${staleTag}`,
        other,
      );
    });

    it('dry run lists exactly what would go, and nothing goes', async () => {
      const run = await ops({
        operation: 'reclaim-disk',
        'prune-volumes': 'true',
        confirm: 'production',
        'dry-run': 'true',
      });
      expect(errorLines(run)).toEqual([]);
      expect(run.code).toBe(0);
      const { reclaim } = report(run);
      expect(reclaim?.images).toContain(`thinktank-fixture/worker:${staleTag}`);
      expect(reclaim?.keptImages).toContain(`thinktank-fixture/worker:${prevTag}`);
      expect(reclaim?.images).not.toContain(other);
      expect(reclaim?.containers.map((c) => c.name)).toContain(stray);
      expect(reclaim?.volumes).toContain(volumes.unused);
      expect(reclaim?.volumes).not.toContain(volumes.stack);
      expect(reclaim?.volumes).not.toContain(volumes.mounted);
      expect(run.stdout).toContain(`thinktank-fixture/worker:${staleTag}`);
      expect(exists('image', `thinktank-fixture/worker:${staleTag}`)).toBe(true);
      expect(exists('container', stray)).toBe(true);
      expect(exists('volume', volumes.unused)).toBe(true);
    });

    it('removes an unused image, a stray container and an unused volume; keeps the previous release, what runs and the stack’s volumes', async () => {
      const before = snapshot();
      const running = Object.values(before)
        .flat()
        .map((entry) => docker('inspect', '--format', '{{.Image}}', entry.split(' ')[0]));
      const run = await ops({ operation: 'reclaim-disk', 'prune-volumes': 'true', confirm: 'production' });
      expect(errorLines(run)).toEqual([]);
      expect(run.code).toBe(0);
      expect(exists('image', `thinktank-fixture/worker:${staleTag}`)).toBe(false);
      expect(exists('image', `thinktank-fixture/worker:${prevTag}`)).toBe(true);
      // Another stack's image and the base image (unused once the stray container went): kept, unprotected.
      expect(exists('image', other)).toBe(true);
      expect(exists('image', 'thinktank-fixture-base:latest')).toBe(true);
      for (const image of running) expect(exists('image', image)).toBe(true);
      expect(snapshot()).toEqual(before);
      expect(exists('container', stray)).toBe(false);
      for (const id of keepers) expect(exists('container', id)).toBe(true);
      expect(exists('volume', volumes.unused)).toBe(false);
      expect(exists('volume', volumes.stack)).toBe(true);
      expect(exists('volume', volumes.mounted)).toBe(true);
      const { disk } = report(run);
      expect(disk?.before.filesystem).toMatch(/GiB used of .* GiB free/);
      expect(disk?.after?.filesystem).toMatch(/GiB used of .* GiB free/);
      expect(run.summary).toContain('### Disk');
      expect(ledger().at(-1)).toMatchObject({ operation: 'reclaim-disk with volumes', result: 'success' });
    });
  });
});
