/**
 * action-migrate end to end: the bundled action against a real sshd, real alembic and a real
 * PostgreSQL, on the host and inside a compose service container; the database is checked afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sshd } from '../harness/sshd';
import { errorLines, runBundledAction } from '../harness/runner';
import { imageTagOf, ledgerOf, localCompose, type Stack } from '../harness/stack';
import type { Postgres } from '../harness/postgres';
import { startSandbox, type Sandbox } from '../harness/sandbox';

jest.setTimeout(300_000);

let sandbox: Sandbox;
let sshd: Sshd;
let stack: Stack;
let pg: Postgres;

const backups = () => (existsSync(sandbox.backupDir) ? readdirSync(sandbox.backupDir) : []);
const revision = () => sandbox.revision();
const columns = () =>
  pg.sql(
    "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'items'",
  );

beforeAll(async () => {
  sandbox = await startSandbox('migrate', 'precious row');
  ({ sshd, stack, pg } = sandbox);
  stack.repo.checkout('v2');
});
afterAll(() => sandbox?.stop());

const inputs = (extra: Record<string, string> = {}) => sandbox.inputs({ environment: 'staging', ...extra });

describe('action-migrate (bundled)', () => {
  it.each([
    [{ direction: 'sideways' }, 'direction'],
    [{ target: "head'; touch /tmp/pwned; '" }, 'target'],
    [{ target: '$(id)' }, 'target'],
    [{ direction: 'upgrade', target: '-1' }, 'target'],
    [{ 'alembic-command': 'alembic | sh' }, 'alembic-command'],
    [{ 'migrate-service': 'gateway;id' }, 'migrate-service'],
  ])('refuses %j before connecting', async (bad, input) => {
    const before = (sshd.log().match(/Connection from/g) ?? []).length;
    const run = await runBundledAction('action-migrate', inputs(bad));
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toContain(`Input '${input}'`);
    expect((sshd.log().match(/Connection from/g) ?? []).length).toBe(before);
  });

  it('previews a pending migration: SQL shown, nothing applied, no backup', async () => {
    const run = await runBundledAction('action-migrate', inputs({ preview: 'true' }));
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'revision-before': '0001',
      'revision-after': '0001',
      destructive: 'false',
      backup: '',
    });
    expect(run.outputs.sql).toContain('ALTER TABLE items ADD COLUMN note TEXT');
    expect(run.outputs.sql).not.toContain('CREATE TABLE items');
    expect(run.summary).toMatch(/preview: nothing applied[\s\S]*```sql[\s\S]*ADD COLUMN note/);
    expect(revision()).toBe('0001');
    expect(backups()).toEqual([]);
  });

  it('applies it with a backup first, and records it in the ledger', async () => {
    const run = await runBundledAction('action-migrate', inputs());
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'revision-before': '0001',
      'revision-after': '0002',
      destructive: 'false',
    });
    expect(revision()).toBe('0002');
    expect(readFileSync(run.outputs.backup, 'utf8')).toContain('precious row');
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      action: 'migrate',
      migration: '0001 -> 0002',
      result: 'success',
    });
  });

  it('refuses a migration that drops a column, then applies it with allow-destructive (backup holding the data)', async () => {
    stack.repo.checkout('destructive');
    pg.sql("UPDATE items SET note = 'a note that will be dropped'");
    const before = backups().length;
    const refused = await runBundledAction('action-migrate', inputs());
    expect(refused.code).toBe(1);
    expect(refused.outputs.destructive).toBe('true');
    expect(refused.stdout).toMatch(
      /::error::the migration is destructive \(DROP COLUMN\) and allow-destructive is false; nothing was applied, no backup was taken/,
    );
    expect(refused.summary).toMatch(
      /Destructive statements[\s\S]*DROP COLUMN[\s\S]*ALTER TABLE items DROP COLUMN note/,
    );
    expect(revision()).toBe('0002');
    expect(backups()).toHaveLength(before);

    const allowed = await runBundledAction('action-migrate', inputs({ 'allow-destructive': 'true' }));
    expect(allowed.code).toBe(0);
    expect(allowed.outputs).toMatchObject({ 'revision-after': '0003', destructive: 'true' });
    expect(revision()).toBe('0003');
    expect(columns()).toBe('id,name');
    expect(readFileSync(allowed.outputs.backup, 'utf8')).toContain('a note that will be dropped');
  });

  it('downgrades -1', async () => {
    const run = await runBundledAction(
      'action-migrate',
      inputs({ direction: 'downgrade', target: '-1', backup: 'false' }),
    );
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'revision-before': '0003', 'revision-after': '0002' });
    expect(revision()).toBe('0002');
  });

  it('stops when the backup command fails: nothing migrated', async () => {
    stack.repo.checkout('failing');
    const run = await runBundledAction('action-migrate', inputs({ 'backup-command': 'sh -c false' }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::the backup command on .* exited with code 1[\s\S]*the backup failed, so nothing was migrated/,
    );
    expect(revision()).toBe('0002');
  });

  it('reports a migration that fails halfway: which revision, where the database is, which backup', async () => {
    const run = await runBundledAction('action-migrate', inputs());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::alembic upgrade head exited with code 1 during "Running upgrade 0003 -> 0004.*"; the database is now at 0002; the backup taken before it is \/.*\.sql/,
    );
    expect(revision()).toBe('0002');
    expect(run.outputs['revision-after']).toBe('0002');
    expect(pg.sql("SELECT count(*) FROM information_schema.tables WHERE table_name = 'things'")).toBe('0');
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      action: 'migrate',
      result: 'failed',
    });
  });

  it('refuses several heads, naming them', async () => {
    stack.repo.checkout('two-heads');
    const run = await runBundledAction('action-migrate', inputs());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::the migrations have 2 heads \((0003a, 0003b|0003b, 0003a)\)/);
    expect(revision()).toBe('0002');
  });

  it('runs alembic inside a compose service container, as the runbook does', async () => {
    stack.repo.checkout('v2');
    // The image of the release checked out, as a deploy would have built it.
    const compose = localCompose();
    execFileSync(
      compose[0],
      [...compose.slice(1), '-f', 'docker/docker-compose-prod.yaml', 'build', 'migrator'],
      {
        cwd: stack.appDir,
        env: { ...process.env, IMAGE_TAG: imageTagOf(stack.repo.shas.v2) },
        stdio: 'pipe',
      },
    );
    const inContainer = {
      'migrate-service': 'migrator',
      'alembic-command': `cd /app/backend && DATABASE_URL=${pg.url} /usr/bin/python3 -m alembic`,
      backup: 'false',
    };
    // Downgrading 0002 drops items.note: the guard applies to downgrades too.
    const down = await runBundledAction(
      'action-migrate',
      inputs({ ...inContainer, direction: 'downgrade', target: '-1', 'allow-destructive': 'true' }),
    );
    expect(errorLines(down)).toEqual([]);
    expect(down.outputs).toMatchObject({ 'revision-before': '0002', 'revision-after': '0001' });
    expect(down.stdout).toMatch(/Creating .*migrator_run/);
    const up = await runBundledAction('action-migrate', inputs(inContainer));
    expect(up.code).toBe(0);
    expect(revision()).toBe('0002');
    expect(pg.sql('SELECT name FROM items')).toBe('precious row');
  });
});
