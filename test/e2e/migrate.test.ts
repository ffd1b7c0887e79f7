/**
 * action-migrate end to end: the bundled action against a real sshd, real alembic and a real
 * PostgreSQL, on the host and inside a compose service container; the database is checked afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sshd } from '../harness/sshd';
import { cancelWhen, errorLines, runBundledAction } from '../harness/runner';
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

/** The migrator image of a release, as a deploy would have built it (IMAGE_TAG git-<sha12>). */
function buildMigrator(release: 'v2' | 'slow-migration'): void {
  const compose = localCompose();
  execFileSync(
    compose[0],
    [...compose.slice(1), '-f', 'docker/docker-compose-prod.yaml', 'build', 'migrator'],
    {
      cwd: stack.appDir,
      env: { ...process.env, IMAGE_TAG: imageTagOf(stack.repo.shas[release]) },
      stdio: 'pipe',
    },
  );
}

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
    // 0004 of 'failing' is `UPDATE items SET no_such_column = 1`, an UPDATE without WHERE: allowed here,
    // so what is checked is the backup and the failure, not the guard.
    const run = await runBundledAction(
      'action-migrate',
      inputs({ 'backup-command': 'sh -c false', 'allow-destructive': 'true' }),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error::the backup command on .* exited with code 1[\s\S]*the backup failed, so nothing was migrated/,
    );
    expect(revision()).toBe('0002');
  });

  it('reports a migration that fails halfway: which revision, where the database is, which backup', async () => {
    const run = await runBundledAction('action-migrate', inputs({ 'allow-destructive': 'true' }));
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
    buildMigrator('v2');
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

  it('a cancelled migration inside a container: the container is removed, not left migrating', async () => {
    stack.repo.checkout('slow-migration');
    buildMigrator('slow-migration');
    // The upgrade (not the SQL preview, which logs the same line) is 1 s into its 6 s pg_sleep.
    const cancel = cancelWhen(/Running upgrade 0002 -> 0003[\s\S]*Running upgrade 0002 -> 0003/, 1000);
    const run = await runBundledAction(
      'action-migrate',
      inputs({
        'migrate-service': 'migrator',
        'alembic-command': `cd /app/backend && DATABASE_URL=${pg.url} /usr/bin/python3 -m alembic`,
        backup: 'false',
        'allow-destructive': 'true',
      }),
      { ...cancel, env: { GITHUB_RUN_ID: 'cancelled-migration' } },
    );
    expect(cancel.signalled()).toBeGreaterThan(0);
    expect(Date.now() - cancel.signalled()).toBeLessThan(10_000);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::cancelled by SIGINT/);
    const leftover = execFileSync('docker', ['ps', '-aq', '--filter', 'label=tt.run'], {
      encoding: 'utf8',
    }).trim();
    expect(leftover).toBe('');
    expect(revision()).toBe('0002');
    expect(ledgerOf(join(stack.appDir, '.deploy')).at(-1)).toMatchObject({
      action: 'migrate',
      result: 'cancelled',
      run_id: 'cancelled-migration',
    });
    stack.repo.checkout('v2');
  });
});

describe('action-migrate: the destructive-SQL guard on real alembic output (bundled)', () => {
  // Each a migration 0003 on top of the checkout's 0002 whose upgrade is one raw op.execute(), and the
  // kinds the refusal names. Every one would destroy data; none may run.
  const DESTROYERS: readonly (readonly [string, string])[] = [
    ['DELETE FROM items', 'DELETE without WHERE'],
    ["UPDATE items SET name = ''", 'UPDATE without WHERE'],
    ['DROP TYPE item_kind CASCADE', 'DROP TYPE'],
    ['/* note */ DROP TABLE items', 'DROP TABLE'],
    ["DO $$ BEGIN EXECUTE 'DROP TABLE items'; END $$", 'DO block (cannot prove safe)'],
    ['WITH d AS (DELETE FROM items RETURNING *) SELECT count(*) FROM d', 'DELETE without WHERE'],
    ['ALTER TABLE items DROP name', 'DROP COLUMN'],
    ['TRUNCATE items', 'TRUNCATE'],
    ['SELECT purge_items()', 'call of purge_items() (cannot prove safe)'],
  ];
  const versions = () => join(stack.appDir, 'backend/alembic/versions');
  const written: string[] = [];
  /** Replaces the previous case's file: a new name each time, so no stale bytecode is ever loaded. */
  const writeMigration = (index: number, sql: string) => {
    for (const file of written.splice(0)) rmSync(join(versions(), file), { force: true });
    const file = `0003_destroy_${index}.py`;
    const body = [
      `"""destroys data: ${index}"""`,
      'from alembic import op',
      '',
      'revision = "0003"',
      'down_revision = "0002"',
      '',
      '',
      'def upgrade():',
      `    op.execute(${JSON.stringify(sql)})`,
      '',
      '',
      'def downgrade():',
      '    pass',
      '',
    ].join('\n');
    writeFileSync(join(versions(), file), body, { mode: 0o644 });
    written.push(file);
  };
  const state = () =>
    [
      pg.sql("SELECT string_agg(id || ':' || name || ':' || kind, ',' ORDER BY id) FROM items"),
      columns(),
      pg.sql("SELECT count(*) FROM pg_type WHERE typname = 'item_kind'"),
      revision(),
    ].join(' | ');

  beforeAll(() => {
    stack.repo.checkout('v2');
    expect(revision()).toBe('0002');
    pg.sql(
      "CREATE TYPE item_kind AS ENUM ('plain', 'special'); " +
        "ALTER TABLE items ADD COLUMN kind item_kind NOT NULL DEFAULT 'plain'; " +
        'CREATE FUNCTION purge_items() RETURNS bigint LANGUAGE sql AS ' +
        '$$ WITH d AS (DELETE FROM items RETURNING 1) SELECT count(*) FROM d $$',
    );
  });
  afterAll(() => {
    for (const file of written.splice(0)) rmSync(join(versions(), file), { force: true });
  });

  it('refuses each destructive migration without allow-destructive: nothing runs, no backup, data intact', async () => {
    const before = state();
    expect(before).toBe('1:precious row:plain | id,kind,name,note | 1 | 0002');
    const backupsBefore = backups().length;
    for (const [index, [sql, kind]] of DESTROYERS.entries()) {
      writeMigration(index, sql);
      const run = await runBundledAction('action-migrate', inputs({ backup: 'true' }));
      const context = `${sql}\n${run.stdout}\n${run.stderr}`;
      expect([context, run.code]).toEqual([context, 1]);
      expect([context, run.outputs.destructive]).toEqual([context, 'true']);
      expect(errorLines(run)).toEqual([
        `::error::the migration is destructive (${kind}) and allow-destructive is false; nothing was applied, no backup was taken`,
      ]);
      expect(run.summary).toContain(`**${kind}**`);
      expect([sql, state()]).toEqual([sql, before]);
      expect(backups()).toHaveLength(backupsBefore);
    }
  });

  it('previews a destructive migration: exit 0, destructive=true, a warning naming the statement, nothing applied', async () => {
    writeMigration(100, 'WITH d AS (DELETE FROM items RETURNING *) SELECT count(*) FROM d');
    const before = state();
    const run = await runBundledAction('action-migrate', inputs({ preview: 'true' }));
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'revision-before': '0002',
      'revision-after': '0002',
      destructive: 'true',
    });
    expect(run.outputs.sql).toContain('WITH d AS (DELETE FROM items RETURNING *) SELECT count(*) FROM d');
    const warnings = run.stdout.split('\n').filter((line) => line.startsWith('::warning'));
    expect(warnings.join('\n')).toMatch(
      /::warning::the previewed migration is destructive or cannot be proven safe: applying it would be refused unless allow-destructive is true%0A {2}DELETE without WHERE: WITH d AS \(DELETE FROM items RETURNING \*\) SELECT count\(\*\) FROM d/,
    );
    expect(run.summary).toMatch(
      /preview: nothing applied, destructive[\s\S]*refused unless `allow-destructive` is true[\s\S]*DELETE without WHERE/,
    );
    expect(state()).toBe(before);
  });
});
