import { parseReleaseChanges, servicesWithTagOnlyInImage } from '../../packages/shared/src/deploy/live-state';
import { runtimeInputs, startFirstBlockers } from '../../packages/shared/src/compose/compose';
import { refCandidates } from '../../packages/shared/src/git/git';
import { DEPLOY_DEFAULTS } from '../../packages/shared/src/inputs/deploy';
import { MIGRATE_DEFAULTS, migrationTarget } from '../../packages/shared/src/inputs/migrate';
import { ROLLBACK_DEFAULTS } from '../../packages/shared/src/inputs/rollback';
import { newestBackup } from '../../packages/shared/src/ops/database';
import { commandPrefix, InputProblem } from '../../packages/shared/src/inputs/validators';
import { backupNamed, parseRevisions } from '../../packages/shared/src/migrate/alembic';
import { actionYmlDefaults, codeDefaults } from '../harness/action-yml';

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

describe('start-first blockers (compose config)', () => {
  it('names services with a fixed name, fixed host ports or the host network; v1 and v2 port forms', () => {
    const config = `
services:
  gateway:
    image: gw
    ports: ['8080']
  v1ports:
    image: a
    ports: ['127.0.0.1:18080:80/tcp']
  v2ports:
    image: b
    ports:
      - target: 80
        published: "18080"
        host_ip: 127.0.0.1
  v2ephemeral:
    image: c
    ports:
      - target: 80
  named:
    image: d
    container_name: thinktank-backup
  hostnet:
    image: e
    network_mode: host
  tool:
    image: f
    container_name: once
    profiles: [tools]
`;
    expect(startFirstBlockers(config)).toEqual({
      v1ports:
        'it publishes fixed host ports (127.0.0.1:18080:80/tcp), which two containers cannot both bind',
      v2ports: 'it publishes fixed host ports (127.0.0.1:18080), which two containers cannot both bind',
      named: 'it has a fixed container_name (thinktank-backup)',
      hostnet: "it uses the host's network (network_mode: host), where two containers would share its ports",
    });
  });
});

describe('services whose configuration uses IMAGE_TAG in the image only', () => {
  it('reads the configuration rendered with the sentinel tag', () => {
    const tag = 'tt-image-tag-sentinel-0f3b9c';
    const config = `
services:
  gateway:
    image: fixture/gateway:${tag}
  worker:
    image: fixture/worker:${tag}
    environment:
      RELEASE: ${tag}
  nginx:
    image: nginx:1.22
  tool:
    image: fixture/tool:${tag}
    profiles: [tools]
`;
    expect(servicesWithTagOnlyInImage(config)).toEqual(['gateway']);
  });
});

describe('what a service is made from besides its image', () => {
  it('env files, bind mounts inside app-dir (v1 strings, v2 objects), the compose file and .env', () => {
    const config = `
services:
  gateway:
    image: gw
    env_file: [/opt/tt/config/gateway.env]
    volumes:
      - /opt/tt/nginx/conf.d:/etc/nginx/conf.d:ro
      - /usr:/usr:ro
      - data:/data
  worker:
    image: wk
    env_file:
      - path: /opt/tt/config/worker.env
    volumes:
      - type: bind
        source: /opt/tt/backend
        target: /app
      - type: volume
        source: cache
        target: /cache
`;
    expect(runtimeInputs(config, '/opt/tt/', 'docker/docker-compose-prod.yaml')).toEqual({
      gateway: ['config/gateway.env', 'nginx/conf.d', 'docker/docker-compose-prod.yaml', 'docker/.env'],
      worker: ['config/worker.env', 'backend', 'docker/docker-compose-prod.yaml', 'docker/.env'],
    });
  });

  it('reads the release-changes part', () => {
    expect(parseReleaseChanges('@111111111111\na/b\nc\n@222222222222\n!unknown\n@333333333333')).toEqual({
      '111111111111': ['a/b', 'c'],
      '222222222222': undefined,
      '333333333333': [],
    });
  });
});
