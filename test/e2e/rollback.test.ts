/**
 * action-rollback end to end, after a real deploy v1 -> v2 (a migration and new rows): image rollback,
 * full rollback with a database restore, refusals, and a failing restore. The server and the database
 * are checked afterwards.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sshd } from '../harness/sshd';
import { cancelWhen, errorLines, runBundledAction } from '../harness/runner';
import { ledgerOf, waitStackHealthy, type Stack } from '../harness/stack';
import type { Postgres } from '../harness/postgres';
import { startSandbox, type Sandbox } from '../harness/sandbox';

/** A restore that never ends in time; its own duration, so no other `sleep` on the machine is taken for it. */
const SLOW_RESTORE = `sleep ${3000 + Math.floor(Math.random() * 1000)}`;

jest.setTimeout(300_000);

let sandbox: Sandbox;
let sshd: Sshd;
let stack: Stack;
let pg: Postgres;

const backupDir = () => sandbox.backupDir;
const head = () => sandbox.head();
const revision = () => sandbox.revision();
const names = () => pg.sql("SELECT string_agg(name, ',' ORDER BY id) FROM items");

const common = () => sandbox.inputs({ environment: 'production' });
const rollback = (extra: Record<string, string> = {}) =>
  runBundledAction('action-rollback', { ...common(), 'restore-command': sandbox.restoreCommand, ...extra });
const deploy = (ref: string) => runBundledAction('action-deploy', { ...common(), ref });

beforeAll(async () => {
  sandbox = await startSandbox('rollback', 'v1 row');
  ({ sshd, stack, pg } = sandbox);
  const first = await deploy('v2');
  if (first.code !== 0) throw new Error(`deploy v1 -> v2 failed:\n${first.stdout}`);
  pg.sql("INSERT INTO items (name, note) VALUES ('v2 row', 'written after the deploy')");
}, 300_000);
afterAll(() => sandbox?.stop());

describe('action-rollback (bundled)', () => {
  it.each([
    [{ mode: 'full' }, 'confirm'],
    [{ mode: 'full', confirm: 'Production' }, 'confirm'],
    [{ to: 'v1;touch /tmp/pwned' }, 'to'],
    [{ backup: '../etc/passwd' }, 'backup'],
    [{ 'restore-command': 'restore.sh `id`' }, 'restore-command'],
    [{ mode: 'sideways' }, 'mode'],
  ])('refuses %j before connecting; nothing is done', async (bad, input) => {
    const before = (sshd.log().match(/Connection from/g) ?? []).length;
    const run = await rollback(bad);
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toContain(`Input '${input}'`);
    expect((sshd.log().match(/Connection from/g) ?? []).length).toBe(before);
    expect(head()).toBe(stack.repo.shas.v2);
  });

  it('refuses an unknown target, listing the recent releases', async () => {
    const run = await rollback({ to: 'no-such-tag' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::"no-such-tag" is neither a commit nor an image tag this server's ledger knows; recent releases:/,
    );
    expect(head()).toBe(stack.repo.shas.v2);
  });

  it('image rollback to previous: v1 code running, database untouched, schema warning shown', async () => {
    const { v1, v2 } = stack.repo.shas;
    const run = await rollback();
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'from-ref': v2, 'to-ref': v1, 'restored-backup': '' });
    expect(head()).toBe(v1);
    expect(JSON.parse(stack.health())).toEqual({ status: 'healthy', version: 'v1' });
    expect(revision()).toBe('0002');
    expect(names()).toBe('v1 row,v2 row');
    expect(run.stdout).toMatch(
      /::warning::code and schema do not match: the database is at 0002 but [0-9a-f]{12}'s migrations end at 0001\. The database was not changed\. To reconcile: gh workflow run rollback\.yml .* -f mode=full -f confirm=production/,
    );
    expect(run.summary).toContain('code and schema do not match');
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      ref: v1,
      previous_ref: v2,
      action: 'rollback',
      result: 'success',
    });
  });

  it('then a full rollback to the same commit: database restored, and every service running again', async () => {
    const { v1 } = stack.repo.shas;
    const run = await rollback({ mode: 'full', confirm: 'production', to: v1 });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::group::Restart gateway \(exited/);
    expect(run.stdout).toMatch(/::group::Restart worker \(exited/);
    await waitStackHealthy(stack, ['gateway', 'worker'], 5000);
    expect(JSON.parse(stack.health()).version).toBe('v1');
    // The newest backup a rollback may pick: the one the deploy took before its migration (at 0001).
    expect(revision()).toBe('0001');
    expect(names()).toBe('v1 row');
    expect(run.stdout).not.toMatch(/code and schema do not match/);
  });

  it('a backup that is not there is refused before anything is taken or stopped', async () => {
    const again = await deploy('v2');
    expect(again.code).toBe(0);
    pg.sql("INSERT INTO items (name, note) VALUES ('v2 row', 'written after the deploy')");
    const before = names();
    const backupsBefore = readdirSync(backupDir()).length;
    const gateway = stack.containerOf('gateway');
    const startedBefore = execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', gateway], {
      encoding: 'utf8',
    }).trim();
    const run = await rollback({ mode: 'full', confirm: 'production', backup: '/nonexistent/backup.sql' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::full rollback to [0-9a-f]{12} failed: the backup \/nonexistent\/backup\.sql is not there or is empty on the host .*; nothing was stopped or restored/,
    );
    // No emergency backup, nothing stopped: the same container, never restarted.
    expect(readdirSync(backupDir()).length).toBe(backupsBefore);
    expect(
      execFileSync('docker', ['inspect', '--format', '{{.State.StartedAt}}', gateway], {
        encoding: 'utf8',
      }).trim(),
    ).toBe(startedBefore);
    expect(JSON.parse(stack.health()).version).toBe('v2');
    expect(head()).toBe(stack.repo.shas.v2);
    expect(names()).toBe(before);
  });

  it('a restore that fails after its prompt leaves the services stopped and never picks that backup again', async () => {
    // Truncated: restore.sh drops the schema, then psql stops at the error.
    const broken = join(backupDir(), 'thinktank_daily_20991231_000000_1.sql');
    writeFileSync(broken, 'CREATE TABLE broken (\n');
    try {
      const run = await rollback({ mode: 'full', confirm: 'production', backup: broken });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /PRODUCTION IS DOWN: gateway, worker are stopped because the restore exited with code \d+; the database may be partly restored/,
      );
      for (const service of ['gateway', 'worker'])
        expect(
          execFileSync('docker', ['inspect', '--format', '{{.State.Status}}', stack.containerOf(service)], {
            encoding: 'utf8',
          }).trim(),
        ).toBe('exited');
      expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
        action: 'rollback',
        result: 'failed',
        untrusted_backups: expect.arrayContaining([broken]),
      });
    } finally {
      rmSync(broken, { force: true });
    }
    // The data as it was: from the emergency backup this rollback took, as its message says.
    const emergency = ledgerOf(join(stack.appDir, '.deploy')).at(-1)?.emergency_backup ?? '';
    execFileSync('sh', [
      '-c',
      `psql -q -v ON_ERROR_STOP=1 "$1" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' && psql -q -v ON_ERROR_STOP=1 "$1" -f "$2"`,
      'sh',
      pg.url,
      emergency,
    ]);
    const repair = await deploy('v2');
    expect(repair.code).toBe(0);
    await waitStackHealthy(stack, ['gateway', 'worker']);
  });

  it('full rollback: emergency backup, services stopped, database restored from the latest trusted backup, v1 running', async () => {
    const { v1, v2 } = stack.repo.shas;
    pg.sql("INSERT INTO items (name) VALUES ('written just before the full rollback')");
    const before = new Set(readdirSync(backupDir()));
    // `latest` skips the emergency backups rollbacks took (the failed one's is the newest file here):
    // the newest trusted one is the backup the v2 deploy took before migrating.
    const ledger = ledgerOf(join(stack.appDir, '.deploy'));
    const deployBackup = ledger.filter((entry) => entry.action === 'deploy' && entry.backup).at(-1)?.backup;
    const run = await rollback({ mode: 'full', confirm: 'production' });
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['from-ref']).toBe(v2);
    expect(run.outputs['to-ref']).toBe(v1);
    expect(run.outputs['restored-backup']).toBe(deployBackup);
    const created = readdirSync(backupDir()).filter((file) => !before.has(file));
    expect(created).toHaveLength(1);
    expect(readFileSync(join(backupDir(), created[0]), 'utf8')).toContain(
      'written just before the full rollback',
    );
    // The data and the revision are the backup's: the rows written after it are gone.
    expect(revision()).toBe('0001');
    expect(names()).toBe('v1 row');
    expect(head()).toBe(v1);
    expect(JSON.parse(stack.health()).version).toBe('v1');
    expect(run.summary).toMatch(/emergency backup \(the database as it was before this rollback\): \//);
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      action: 'rollback',
      result: 'success',
      emergency_backup: join(backupDir(), created[0]),
    });
  });

  it('a restore that times out leaves the services stopped, stops the restore on the server, and says production is down', async () => {
    const backup = readdirSync(backupDir()).sort()[0];
    const run = await rollback({
      mode: 'full',
      confirm: 'production',
      to: stack.repo.shas.v1,
      backup: join(backupDir(), backup),
      // Every command may take 6 s: the restore below never finishes in time.
      'command-timeout': '6',
      'restore-command': `${SLOW_RESTORE} && ${sandbox.restoreCommand}`,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::full rollback to [0-9a-f]{12} failed: .*timed out after 6s/);
    expect(run.stdout).toMatch(
      /PRODUCTION IS DOWN: gateway, worker are stopped because the restore timed out/,
    );
    expect(run.summary).toMatch(/\[!CAUTION\][\s\S]*PRODUCTION IS DOWN[\s\S]*to finish by hand/);
    for (const service of ['gateway', 'worker'])
      expect(
        execFileSync('docker', ['inspect', '--format', '{{.State.Status}}', stack.containerOf(service)], {
          encoding: 'utf8',
        }).trim(),
      ).toBe('exited');
    // The restore itself was stopped on the server, not only its channel.
    expect(execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')).not.toContain(
      SLOW_RESTORE,
    );
    // A deploy reads that they are stopped and starts them.
    const repair = await deploy('v1');
    expect(repair.code).toBe(0);
    await waitStackHealthy(stack, ['gateway', 'worker'], 5000);
  });

  it('a restore cancelled by the runner: the services stay stopped, the restore is stopped, the journal says cancelled', async () => {
    const backup = readdirSync(backupDir()).sort()[0];
    const cancel = cancelWhen(/::group::Restore /, 1000);
    const run = await runBundledAction(
      'action-rollback',
      {
        ...common(),
        mode: 'full',
        confirm: 'production',
        to: stack.repo.shas.v1,
        backup: join(backupDir(), backup),
        'restore-command': `${SLOW_RESTORE} && ${sandbox.restoreCommand}`,
      },
      { ...cancel, env: { GITHUB_RUN_ID: 'cancelled-restore' } },
    );
    expect(cancel.signalled()).toBeGreaterThan(0);
    expect(Date.now() - cancel.signalled()).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::cancelled by SIGINT: .*PRODUCTION IS DOWN: gateway, worker are stopped because the rollback was cancelled during the restore/,
    );
    for (const service of ['gateway', 'worker'])
      expect(
        execFileSync('docker', ['inspect', '--format', '{{.State.Status}}', stack.containerOf(service)], {
          encoding: 'utf8',
        }).trim(),
      ).toBe('exited');
    expect(execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')).not.toContain(
      SLOW_RESTORE,
    );
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      run_id: 'cancelled-restore',
      result: 'cancelled',
      emergency_backup: expect.stringMatching(/\.sql$/),
    });
    const repair = await deploy('v1');
    expect(repair.code).toBe(0);
    await waitStackHealthy(stack, ['gateway', 'worker'], 5000);
  });
});
