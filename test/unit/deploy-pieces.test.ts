import { imageMode, planRelease, runningImageTag } from '../../packages/shared/src/deploy/deploy';
import { refCandidates } from '../../packages/shared/src/git/git';
import { DEPLOY_DEFAULTS } from '../../packages/shared/src/inputs/deploy';
import { MIGRATE_DEFAULTS, migrationTarget } from '../../packages/shared/src/inputs/migrate';
import { ROLLBACK_DEFAULTS } from '../../packages/shared/src/inputs/rollback';
import { newestBackup } from '../../packages/shared/src/rollback/rollback';
import { commandPrefix, InputProblem } from '../../packages/shared/src/inputs/validators';
import { backupNamed, parseRevisions } from '../../packages/shared/src/migrate/alembic';
import { destructiveStatements } from '../../packages/shared/src/migrate/sql';
import { renderScript } from '../../packages/shared/src/shell';
import { actionYmlDefaults, codeDefaults } from '../harness/action-yml';
import { healthSettingsFrom } from '../harness/settings';

const SHA = 'a'.repeat(40);

describe('deploy pieces', () => {
  it('tries a full SHA as a commit first, names before short hex', () => {
    expect(refCandidates(SHA, 'origin')[0]).toBe(`${SHA}^{commit}`);
    expect(refCandidates('abc1234', 'origin')).toEqual([
      'refs/remotes/origin/abc1234^{commit}',
      'refs/tags/abc1234^{commit}',
      'abc1234^{commit}',
    ]);
    expect(refCandidates('main', 'upstream')).toEqual([
      'refs/remotes/upstream/main^{commit}',
      'refs/tags/main^{commit}',
    ]);
  });

  it('builds without an image tag and pulls with one (build: auto)', () => {
    expect(imageMode('auto', false)).toBe('build');
    expect(imageMode('auto', true)).toBe('pull');
    expect(imageMode('true', true)).toBe('build');
    expect(imageMode('false', false)).toBe('none');
  });

  it('finds the running release image tag in the ledger', () => {
    const entry = { time: '', environment: 'p', previous_ref: '', migration: '', actor: '', run_url: '' };
    const ledger = [
      { ...entry, ref: SHA, image_tag: 'v1.0', result: 'success' as const },
      { ...entry, ref: SHA, image_tag: 'v1.1', result: 'failed' as const },
    ];
    expect(runningImageTag(ledger, SHA)).toBe('v1.0');
    expect(runningImageTag([], SHA)).toBe('git-aaaaaaaaaaaa');
  });

  it('plans checkout, images, then each service restarted and waited for, with IMAGE_TAG exported', () => {
    const settings = healthSettingsFrom({
      host: 'h.example.com',
      username: 'deploy',
      password: 'x',
      'insecure-ignore-host-key': 'true',
    });
    const plan = planRelease(
      settings.connection,
      { command: ['docker', 'compose'], major: 2 },
      {
        services: ['gateway', 'worker'],
        waitTimeoutSeconds: 60,
        healthUrl: 'http://localhost/health',
        build: 'auto',
        autoRollback: true,
        lockTimeoutSeconds: 5,
      },
      SHA,
      'build',
      { IMAGE_TAG: 'git-aaaaaaaaaaaa' },
      'migrate',
    );
    expect(plan.map((step) => step.title)).toEqual([
      'check out aaaaaaaaaaaa (detached)',
      'build images (IMAGE_TAG=git-aaaaaaaaaaaa)',
      'migrate',
      'restart gateway',
      'wait until gateway is healthy (at most 60s), then probe http://localhost/health',
      'restart worker',
      'wait until worker is healthy (at most 60s), then probe http://localhost/health',
    ]);
    expect(renderScript(plan[3].command!)).toBe(
      "cd '/opt/thinktank' && export IMAGE_TAG='git-aaaaaaaaaaaa' && exec 'docker' 'compose' '-f' 'docker/docker-compose-prod.yaml' 'up' '-d' '--no-deps' 'gateway'",
    );
    expect(renderScript(plan[0].command!)).toBe(
      `cd '/opt/thinktank' && exec 'git' '-c' 'advice.detachedHead=false' 'checkout' '--quiet' '--detach' '${SHA}'`,
    );
  });

  it('defaults in code match action-deploy/action.yml', () => {
    expect(actionYmlDefaults('action-deploy')).toEqual(codeDefaults(DEPLOY_DEFAULTS));
  });
});

describe('command prefixes', () => {
  it.each([
    ['cd backend && uv run alembic', 'cd backend && uv run alembic'],
    [
      'docker exec thinktank-backup /usr/local/bin/backup.sh',
      'docker exec thinktank-backup /usr/local/bin/backup.sh',
    ],
    [
      'cd backend  &&  DATABASE_URL=postgresql://u@127.0.0.1:5432/db python3 -m alembic',
      'cd backend && DATABASE_URL=postgresql://u@127.0.0.1:5432/db python3 -m alembic',
    ],
  ])('accepts %j', (value, expected) => {
    expect(commandPrefix(value)).toBe(expected);
  });
  it.each([
    'alembic; rm -rf /',
    'alembic | sh',
    'alembic $(id)',
    'a && && b',
    '&& a',
    '-x alembic',
    'a || b',
    'a > f',
    "a 'b'",
  ])('refuses %j', (value) => {
    expect(() => commandPrefix(value)).toThrow(InputProblem);
  });
});

describe('alembic output', () => {
  it('reads revisions from current and heads', () => {
    expect(parseRevisions('0002 (head)\n')).toEqual(['0002']);
    expect(parseRevisions('INFO  [alembic] Context impl\nae1027a6acf (head)\n27c6a30d7c24 (head)')).toEqual([
      'ae1027a6acf',
      '27c6a30d7c24',
    ]);
    expect(parseRevisions('')).toEqual([]);
  });
  it('names the backup file from the command output', () => {
    expect(backupNamed('dumping...\nbackup written: /backups/daily/x.sql.gz\n')).toBe(
      '/backups/daily/x.sql.gz',
    );
    expect(backupNamed('done\n')).toBe('done');
    expect(backupNamed('')).toBeUndefined();
  });
});

describe('destructive SQL', () => {
  it.each([
    ['DROP TABLE items;', 'DROP TABLE'],
    ['ALTER TABLE items DROP COLUMN note;', 'DROP COLUMN'],
    ['ALTER TABLE items DROP note;', 'DROP COLUMN'],
    ['ALTER TABLE items DROP CONSTRAINT items_pkey;', 'DROP CONSTRAINT'],
    ['DROP INDEX ix_items_name;', 'DROP INDEX'],
    ['DROP SCHEMA old CASCADE;', 'DROP SCHEMA'],
    ['TRUNCATE items;', 'TRUNCATE'],
    ['DELETE FROM items;', 'DELETE without WHERE'],
    ['ALTER TABLE items ALTER COLUMN name TYPE VARCHAR(10);', 'ALTER ... TYPE'],
    ['ALTER TABLE items RENAME TO things;', 'RENAME'],
    ['ALTER TABLE items RENAME COLUMN name TO title;', 'RENAME'],
  ])('flags %j as %s', (sql, kind) => {
    expect(destructiveStatements(sql).map((found) => found.kind)).toEqual([kind]);
  });
  it.each([
    'CREATE TABLE items (id INT);',
    'ALTER TABLE items ADD COLUMN note TEXT;',
    'DELETE FROM items WHERE id = 1;',
    'ALTER TABLE items ALTER COLUMN name DROP NOT NULL;',
    'ALTER TABLE items ALTER COLUMN name DROP DEFAULT;',
    "INSERT INTO notes VALUES ('DROP TABLE items; TRUNCATE x');",
    '-- DROP TABLE items;\nSELECT 1;',
  ])('does not flag %j', (sql) => {
    expect(destructiveStatements(sql)).toEqual([]);
  });
});

describe('migration targets', () => {
  it.each([
    ['upgrade', '', 'head'],
    ['downgrade', '', '-1'],
    ['upgrade', '+2', '+2'],
    ['downgrade', 'base', 'base'],
    ['upgrade', 'ae1027a6acf', 'ae1027a6acf'],
  ] as const)('%s %j means %s', (direction, value, expected) => {
    expect(migrationTarget(direction, value)).toBe(expected);
  });
  it.each([
    ['upgrade', '-1'],
    ['downgrade', 'head'],
    ['downgrade', '+1'],
    ['upgrade', 'head; rm -rf /'],
    ['upgrade', '--sql'],
    ['upgrade', '-0'],
    ['upgrade', 'a'.repeat(65)],
  ] as const)('refuses %s %j', (direction, value) => {
    expect(() => migrationTarget(direction, value)).toThrow(InputProblem);
  });

  it('defaults in code match action-migrate/action.yml', () => {
    expect(actionYmlDefaults('action-migrate')).toEqual(codeDefaults(MIGRATE_DEFAULTS));
  });
});

describe('rollback pieces', () => {
  it('picks the newest backup by the timestamp in its name, across daily/weekly names', () => {
    const listing = [
      '/backups/weekly/thinktank_weekly_20260222_020000.sql.gz',
      '/backups/daily/thinktank_daily_20260225_020000.sql.gz',
      '/backups/daily/thinktank_daily_20260224_020000.sql.gz',
      '/backups/monthly/thinktank_monthly_20260201_020000.sql.gz',
    ].join('\n');
    expect(newestBackup(listing)).toBe('/backups/daily/thinktank_daily_20260225_020000.sql.gz');
    expect(
      newestBackup('-rw-r--r-- 1 root root 10 x /backups/a.sql\n-rw-r--r-- 1 root root 10 x /backups/b.sql'),
    ).toBe('/backups/b.sql');
    expect(newestBackup('no backups\n')).toBeUndefined();
  });

  it('defaults in code match action-rollback/action.yml', () => {
    expect(actionYmlDefaults('action-rollback')).toEqual(codeDefaults(ROLLBACK_DEFAULTS));
  });
});
