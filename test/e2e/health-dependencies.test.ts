/**
 * action-health's runbook §7/§8 checks end to end: the bundled action against a sandbox whose
 * dependency containers are real (PostgreSQL client tools pointed at a real PostgreSQL, a real
 * redis-server, a backup container running backup.sh/restore.sh), broken one way at a time.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checksOf, errorLines, runBundledAction, type ActionRun } from '../harness/runner';
import { startSandbox, type Sandbox } from '../harness/sandbox';
import { TEST_USER } from '../harness/sshd';

jest.setTimeout(240_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox('healthdeps');
  execFileSync('docker', ['exec', sandbox.stack.containers.backup, '/usr/local/bin/backup.sh'], {
    stdio: 'pipe',
  });
});
afterAll(async () => {
  await sandbox?.stop();
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  const { containers } = sandbox.stack;
  return {
    ...sandbox.inputs(),
    'server-url': sandbox.stack.healthUrl,
    retries: '0',
    interval: '1',
    'postgres-container': containers.postgres,
    'redis-container': containers.redis,
    'backup-container': containers.backup,
    'restore-command': `docker exec -i ${containers.backup} /usr/local/bin/restore.sh`,
    ...extra,
  };
}

const rowOf = (run: ActionRun, name: string | RegExp) =>
  checksOf(run).find((check) => (typeof name === 'string' ? check.check === name : name.test(check.check)));
const verdicts = (run: ActionRun) =>
  Object.fromEntries(checksOf(run).map((check) => [check.check.replace(/ \(.*\)$/, ''), check.verdict]));

/** Moves every backup aside for the duration of `body`, which sees an empty backup directory. */
async function withBackupsAside<T>(body: () => Promise<T>): Promise<T> {
  const aside = join(sandbox.stack.repo.dir, 'backups-aside');
  mkdirSync(aside, { recursive: true });
  const moved = readdirSync(sandbox.backupDir);
  for (const name of moved) renameSync(join(sandbox.backupDir, name), join(aside, name));
  try {
    return await body();
  } finally {
    for (const name of readdirSync(sandbox.backupDir)) rmSync(join(sandbox.backupDir, name), { force: true });
    for (const name of moved) renameSync(join(aside, name), join(sandbox.backupDir, name));
  }
}

/** A backup file named for `hoursAgo` (UTC, as the backup container's clock), `bytes` long. */
function backupNamed(hoursAgo: number, bytes = 64, tier = 'daily', index = 1): string {
  const stamp = new Date(Date.now() - hoursAgo * 3600_000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('T', '_')
    .slice(0, 15);
  const path = join(sandbox.backupDir, `thinktank_${tier}_${stamp}_${index}.sql`);
  writeFileSync(path, 'x'.repeat(bytes));
  return path;
}

describe('action-health dependencies and backups (bundled, sandbox)', () => {
  it('passes the sandbox: PostgreSQL, Redis, connections, containers, backup container and backups', async () => {
    const run = await runBundledAction('action-health', inputs());
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const { containers } = sandbox.stack;
    expect(checksOf(run).map((check) => check.check)).toEqual([
      'server-url ' + sandbox.stack.healthUrl,
      'services',
      expect.stringMatching(/^disk/),
      `postgres (${containers.postgres})`,
      'postgres connections',
      `redis (${containers.redis})`,
      'container cpu',
      'container memory',
      `backup container (${containers.backup})`,
      'newest backup',
      'backup size',
      'backup retention',
    ]);
    expect(rowOf(run, /^postgres \(/)).toEqual(
      expect.objectContaining({ value: expect.stringMatching(/accepting connections/), verdict: 'pass' }),
    );
    expect(rowOf(run, 'postgres connections')).toEqual(
      expect.objectContaining({ value: expect.stringMatching(/^\d+ of 100 \(\d+%\)$/), verdict: 'pass' }),
    );
    expect(rowOf(run, /^redis/)).toEqual(expect.objectContaining({ value: 'PONG', verdict: 'pass' }));
    // The stack's services and the three dependency containers are measured.
    expect(rowOf(run, 'container memory')?.value).toMatch(/\(of 7 containers\)$/);
    expect(rowOf(run, 'container memory')?.verdict).toBe('pass');
    expect(rowOf(run, 'container cpu')?.verdict).toMatch(/pass|warn/);
    expect(rowOf(run, /^backup container/)).toEqual(
      expect.objectContaining({ value: 'running', verdict: 'pass' }),
    );
    expect(rowOf(run, 'newest backup')).toEqual(
      expect.objectContaining({
        value: expect.stringMatching(
          new RegExp(
            `^${sandbox.backupDir}/thinktank_daily_\\d{8}_\\d{6}_\\d+\\.sql, 0\\.\\d h old \\(by its name\\)$`,
          ),
        ),
        threshold: 'warn > 26 h, fail > 52 h',
        verdict: 'pass',
      }),
    );
    expect(rowOf(run, 'backup size')?.verdict).toBe('pass');
    expect(rowOf(run, 'backup retention')).toEqual(
      expect.objectContaining({ value: 'daily 1/7, weekly 0/4, monthly 0/3', verdict: 'pass' }),
    );
    expect(run.summary).toMatch(/\| postgres connections \| \d+ of 100 /);
    expect(run.summary).toMatch(/\| newest backup \| .*thinktank_daily_/);
  });

  it('warns on a backup older than backup-max-age-hours and fails one older than twice that, in one round', async () => {
    await withBackupsAside(async () => {
      backupNamed(30);
      const warned = await runBundledAction('action-health', inputs({ retries: '3' }));
      expect(warned.code).toBe(0);
      expect(rowOf(warned, 'newest backup')).toEqual(
        expect.objectContaining({
          value: expect.stringMatching(/, 30\.0 h old \(by its name\)$/),
          verdict: 'warn',
        }),
      );
      expect(warned.stdout).toMatch(/^::warning::.*newest backup: .*30\.0 h old/m);

      backupNamed(24 * 10, 64, 'daily', 2);
      for (const name of readdirSync(sandbox.backupDir))
        if (!name.endsWith('_2.sql')) rmSync(join(sandbox.backupDir, name));
      const failed = await runBundledAction('action-health', inputs({ retries: '3', interval: '2' }));
      expect(failed.code).toBe(1);
      expect(rowOf(failed, 'newest backup')).toEqual(
        expect.objectContaining({
          value: expect.stringMatching(/, 10\.0 days old \(by its name\)$/),
          verdict: 'fail',
        }),
      );
      expect(errorLines(failed)).toEqual([
        expect.stringMatching(/^::error::.*newest backup: .*10\.0 days old/),
        expect.stringMatching(/^::error::unhealthy: .*newest backup/),
      ]);
      // A stale backup does not freshen within a run: no rounds are spent waiting for it.
      expect(failed.summary).toMatch(/Rounds: 1\n/);
      expect(failed.stdout).toMatch(
        /only checks that do not change between rounds .* failed: no more rounds/,
      );
    });
  });

  it('fails an empty newest backup, and warns when a tier holds more than its retention', async () => {
    await withBackupsAside(async () => {
      for (let i = 1; i <= 8; i++) backupNamed(24 * i, 64, 'daily', i);
      backupNamed(1, 0, 'daily', 99);
      const run = await runBundledAction('action-health', inputs());
      expect(run.code).toBe(1);
      expect(rowOf(run, 'backup size')).toEqual(
        expect.objectContaining({ value: '0 bytes (empty: the backup failed)', verdict: 'fail' }),
      );
      expect(rowOf(run, 'backup retention')).toEqual(
        expect.objectContaining({
          value: 'daily 9/7 (more than kept: is pruning running?), weekly 0/4, monthly 0/3',
          verdict: 'warn',
        }),
      );
      expect(run.stdout).toMatch(/^::error::.*backup size: 0 bytes/m);
    });
  });

  it('fails a stopped backup container, and says the backups could not be listed', async () => {
    const { backup } = sandbox.stack.containers;
    execFileSync('docker', ['stop', '-t', '1', backup], { stdio: 'pipe' });
    try {
      // (check-services would name it too, as a stopped service of the stack.)
      const run = await runBundledAction('action-health', inputs({ 'check-services': 'false' }));
      expect(run.code).toBe(1);
      expect(rowOf(run, /^backup container/)).toEqual(
        expect.objectContaining({ value: 'exited', verdict: 'fail' }),
      );
      expect(rowOf(run, 'newest backup')).toEqual(
        expect.objectContaining({
          value: `not listed: the backup container ${backup} is exited`,
          verdict: 'skip',
        }),
      );
      expect(errorLines(run)).toEqual([
        expect.stringMatching(new RegExp(`^::error::.*backup container \\(${backup}\\): exited$`)),
        expect.stringMatching(/^::error::unhealthy: /),
      ]);
    } finally {
      execFileSync('docker', ['start', backup], { stdio: 'pipe' });
    }
  });

  it('fails a stopped Redis, naming it', async () => {
    const { redis } = sandbox.stack.containers;
    execFileSync('docker', ['stop', '-t', '1', redis], { stdio: 'pipe' });
    try {
      const run = await runBundledAction('action-health', inputs({ 'check-services': 'false' }));
      expect(run.code).toBe(1);
      expect(rowOf(run, /^redis/)).toEqual(expect.objectContaining({ value: 'exited', verdict: 'fail' }));
      expect(run.stdout).toMatch(new RegExp(`^::error::.*redis \\(${redis}\\): exited$`, 'm'));
      expect(verdicts(run)).toEqual(
        expect.objectContaining({ postgres: 'pass', 'backup container': 'pass' }),
      );
    } finally {
      execFileSync('docker', ['start', redis], { stdio: 'pipe' });
    }
  });

  it('warns on a nearly full connection pool (real connections held open)', async () => {
    const max = Number(sandbox.pg.sql("SELECT current_setting('max_connections')"));
    // The check's own psql is one more client: together above 80%, below 95%.
    const hold = Math.ceil(max * 0.85) - 1;
    const sessions: ChildProcess[] = [];
    try {
      for (let i = 0; i < hold; i++) {
        sessions.push(
          spawn(
            'psql',
            [
              '-h',
              '127.0.0.1',
              '-p',
              String(sandbox.pg.port),
              '-U',
              TEST_USER,
              '-d',
              sandbox.pg.database,
              '-c',
              'SELECT pg_sleep(120)',
            ],
            { stdio: 'ignore' },
          ),
        );
      }
      const held = () =>
        Number(
          sandbox.pg.sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"),
        ) - 1;
      const deadline = Date.now() + 30_000;
      while (held() < hold && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(held()).toBe(hold);
      const run = await runBundledAction('action-health', inputs({ 'check-services': 'false' }));
      expect(run.code).toBe(0);
      expect(rowOf(run, 'postgres connections')).toEqual(
        expect.objectContaining({
          value: `${hold + 1} of ${max} (${Math.round(((hold + 1) / max) * 100)}%)`,
          threshold: 'warn > 80%, fail > 95% of max_connections',
          verdict: 'warn',
        }),
      );
      expect(run.stdout).toMatch(/^::warning::.*postgres connections: \d+ of 100/m);
    } finally {
      for (const session of sessions) session.kill('SIGKILL');
      sandbox.pg.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
    }
  });

  it('reports a container that does not exist as absent (a warning), not a crash', async () => {
    const run = await runBundledAction(
      'action-health',
      inputs({ 'postgres-container': 'no-such-postgres', 'redis-container': 'no-such-redis' }),
    );
    expect(run.code).toBe(0);
    expect(rowOf(run, 'postgres (no-such-postgres)')).toEqual(
      expect.objectContaining({ value: 'absent (no such container)', verdict: 'warn' }),
    );
    expect(rowOf(run, 'postgres connections')).toEqual(
      expect.objectContaining({ value: 'not checked: postgres is not running', verdict: 'skip' }),
    );
    expect(rowOf(run, 'redis (no-such-redis)')?.verdict).toBe('warn');
    expect(run.stdout).toMatch(/^::warning::.*postgres \(no-such-postgres\): absent \(no such container\)$/m);
    expect(run.stdout).not.toMatch(/TypeError|at .*\.js:\d+/);
  });

  it('turns everything off with check-dependencies: false, and each part with its own input', async () => {
    const off = await runBundledAction('action-health', inputs({ 'check-dependencies': 'false' }));
    expect(off.code).toBe(0);
    expect(checksOf(off).map((check) => check.check.split(' ')[0])).toEqual([
      'server-url',
      'services',
      'disk',
    ]);
    const some = await runBundledAction(
      'action-health',
      inputs({ 'postgres-container': '', 'backup-container': '', 'backup-max-age-hours': '0' }),
    );
    expect(some.code).toBe(0);
    expect(checksOf(some).map((check) => check.check.split(' ')[0])).toEqual([
      'server-url',
      'services',
      'disk',
      'redis',
      'container',
      'container',
    ]);
  });

  it('refuses bad runbook inputs before connecting, naming each', async () => {
    const before = (sandbox.sshd.log().match(/Connection from/g) ?? []).length;
    const run = await runBundledAction(
      'action-health',
      inputs({
        'postgres-container': 'pg;touch /tmp/pwned',
        'backup-max-age-hours': 'a day',
        'restore-command': 'restore.sh | sh',
      }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(
        /^::error::Input 'postgres-container': "pg;touch \/tmp\/pwned" is not a container name/,
      ),
      expect.stringMatching(/^::error::Input 'backup-max-age-hours': "a day" is not a number/),
      expect.stringMatching(/^::error::Input 'restore-command': /),
      '::error::3 problems with the inputs; nothing was run',
    ]);
    expect((sandbox.sshd.log().match(/Connection from/g) ?? []).length).toBe(before);
  });
});
