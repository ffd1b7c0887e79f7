/**
 * action-health's runbook checks, from text: the preflight (§1), dependencies (§7) and backups (§8)
 * parsers and graders, table by table; the env-file reader (the awk program the server runs) on real
 * files; the summary's preflight table; and the new inputs.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENV_STATE_AWK,
  compareVersions,
  describeExpiry,
  gradeAtLeast,
  gradeOs,
  gradeVersion,
  judgePreflight,
  parseDf,
  parseMemTotalKb,
  parseOsRelease,
  parseVersion,
  preflightArgs,
  RUNBOOK_PREFLIGHT,
  type PreflightOptions,
} from '../../packages/shared/src/health/preflight';
import {
  containerUsage,
  gradeAbove,
  judgeDependencies,
  parseConnections,
  parsePercent,
  usageRow,
} from '../../packages/shared/src/health/dependencies';
import {
  describeAge,
  judgeBackups,
  listedBackups,
  offsetSeconds,
  retentionRow,
  stampOf,
  tierOf,
  backupEntries,
  type BackupOptions,
} from '../../packages/shared/src/health/backups';
import type { CheckResult } from '../../packages/shared/src/health/checks';
import { healthSummary } from '../../packages/shared/src/summary/health';
import { ConfigurationError } from '../../packages/shared/src/errors';
import { healthSettingsFrom } from '../harness/settings';
import { makeUserKey, scratchDir } from '../harness/sshd';

describe('preflight parsers and graders', () => {
  it.each([
    ['20.10.24+dfsg1', [20, 10, 24]],
    ['24.0.7', [24, 0, 7]],
    ['v2.24.5-desktop.1', [2, 24, 5]],
    ['1.29.2', [1, 29, 2]],
    ['2.20', [2, 20]],
    ['27', [27]],
    ['Docker version 26.1.3, build b72abbb', [26, 1, 3]],
    ['', undefined],
    ['unknown', undefined],
  ])('parseVersion(%j)', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it.each([
    [[24, 0], [24, 0, 0], 0],
    [[20, 10, 24], [24, 0], -1],
    [[2, 20, 0], [2, 20], 0],
    [[2, 9], [2, 20], -1],
    [[2, 29, 7], [2, 20], 1],
  ])('compareVersions(%j, %j) has the sign of %d', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it.each([
    ['20.10.24+dfsg1', '24.0', 'fail'],
    ['24.0.0', '24.0', 'pass'],
    ['27.3.1', '24.0', 'pass'],
    ['1.29.2', '2.20', 'fail'],
    ['v2.19.1', '2.20', 'fail'],
    ['2.20.0', '2.20', 'pass'],
    ['2.29.7', '2.20', 'pass'],
    ['garbage', '2.20', 'fail'],
    ['1.29.2', '1.29', 'pass'],
  ])('gradeVersion(%j, min %s) = %s', (text, minimum, verdict) => {
    expect(gradeVersion(text, minimum)).toBe(verdict);
  });

  it.each([
    [2, 4, 8, 'fail'],
    [4, 4, 8, 'warn'],
    [7.9, 4, 8, 'warn'],
    [8, 4, 8, 'pass'],
    [16, 4, 8, 'pass'],
    [2, 1, 8, 'warn'],
    // A minimum above the recommended value: the recommended value is the minimum.
    [12, 16, 8, 'fail'],
    [16, 16, 8, 'pass'],
  ])('gradeAtLeast(%d, min %d, recommended %d) = %s', (value, minimum, recommended, verdict) => {
    expect(gradeAtLeast(value, minimum, recommended)).toBe(verdict);
  });

  it.each([
    ['MemTotal:       24684092 kB', 24684092],
    ['24684092', 24684092],
    ['MemTotal:        8148460 kB\nMemFree: 1 kB', 8148460],
    ['', undefined],
  ])('parseMemTotalKb(%j)', (text, expected) => {
    expect(parseMemTotalKb(text)).toBe(expected);
  });

  it.each([
    [
      'Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1        102687672 40113212  57315248      42% /',
      { sizeKb: 102687672, availableKb: 57315248, mount: '/' },
    ],
    ['102687672 57315248 /srv', { sizeKb: 102687672, availableKb: 57315248, mount: '/srv' }],
    ['', undefined],
    ['df: /nope: No such file or directory', undefined],
  ])('parseDf(%j)', (text, expected) => {
    expect(parseDf(text)).toEqual(expected);
  });

  it.each([
    ['ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04.1 LTS"', 'pass', 'Ubuntu 24.04.1 LTS'],
    ['ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"', 'warn', 'Ubuntu 22.04.4 LTS'],
    ['ID=ubuntu\nVERSION_ID="20.04"\nPRETTY_NAME="Ubuntu 20.04.6 LTS"', 'fail', 'Ubuntu 20.04.6 LTS'],
    ['ID=ubuntu\nVERSION_ID="25.10"', 'pass', 'ubuntu 25.10'],
    [
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"',
      'warn',
      'Debian GNU/Linux 12 (bookworm) (not Ubuntu)',
    ],
    ["ID='rocky'\nVERSION_ID='9.3'", 'warn', 'rocky 9.3 (not Ubuntu)'],
    ['', 'warn', 'unknown (no /etc/os-release)'],
  ])('gradeOs of %j: %s', (text, verdict, value) => {
    expect(gradeOs(parseOsRelease(text))).toEqual({ value, verdict });
  });

  it('describes a certificate expiry against the server clock', () => {
    const now = Date.parse('2026-11-28T12:00:00Z') / 1000;
    expect(describeExpiry('notAfter=Feb 26 12:00:00 2027 GMT', now)).toBe('expires 2027-02-26 (in 90 days)');
    expect(describeExpiry('notAfter=Feb  1 00:00:00 2020 GMT', now)).toMatch(
      /^expired 2020-02-01 \(\d+ days ago\)$/,
    );
    expect(describeExpiry('notAfter=whenever', now)).toBe('expires whenever');
  });
});

const OPTIONS: PreflightOptions = {
  appDir: '/opt/thinktank',
  envFile: '.env',
  requiredSecrets: ['DB_PASSWORD', 'JWT_SECRET_KEY', 'ENCRYPTION_KEY'],
  tlsCert: 'docker/certs/fullchain.pem',
  thresholds: RUNBOOK_PREFLIGHT.minimum,
  composeCommand: 'auto',
};
const facts = (rows: string[][]) => rows.map((row) => row.join('\t')).join('\n');
const UBUNTU_SERVER = facts([
  ['now', String(Date.parse('2026-11-28T12:00:00Z') / 1000)],
  ['nproc', '8'],
  ['memtotal', '16324408'],
  ['df', '/opt/thinktank', '102687672 57315248 /'],
  ['os', 'ubuntu', '24.04'],
  ['os_name', 'Ubuntu 24.04.1 LTS'],
  ...['docker', 'git', 'curl', 'flock', 'timeout', 'stat', 'openssl', 'htop'].map((tool) => [
    'tool',
    tool,
    `/usr/bin/${tool}`,
  ]),
  ['docker', 'ok', '27.3.1'],
  ['envfile', 'present', '600'],
  ['secret', 'DB_PASSWORD', 'present'],
  ['secret', 'JWT_SECRET_KEY', 'present'],
  ['secret', 'ENCRYPTION_KEY', 'present'],
  ['compose', 'docker compose', '2.29.7'],
  ['tls', 'ok', 'notAfter=Feb 26 12:00:00 2027 GMT'],
]);
const rowsOf = (results: readonly CheckResult[]) =>
  Object.fromEntries(results.map((result) => [result.check, [result.value, result.verdict]]));

describe('judgePreflight', () => {
  it('passes a server as the runbook recommends, a row per item with minimum and recommended', () => {
    const results = judgePreflight('web1', UBUNTU_SERVER, OPTIONS);
    expect(results.every((result) => result.verdict === 'pass')).toBe(true);
    expect(rowsOf(results)).toEqual({
      'cpu cores': ['8', 'pass'],
      memory: ['15.6 GiB', 'pass'],
      'disk size (/)': ['105.2 GB (58.7 GB free)', 'pass'],
      os: ['Ubuntu 24.04.1 LTS', 'pass'],
      docker: ['27.3.1', 'pass'],
      compose: ['docker compose 2.29.7', 'pass'],
      'tool git': ['/usr/bin/git', 'pass'],
      'tool curl': ['/usr/bin/curl', 'pass'],
      'tool flock': ['/usr/bin/flock', 'pass'],
      'tool timeout': ['/usr/bin/timeout', 'pass'],
      'tool stat': ['/usr/bin/stat', 'pass'],
      'tool openssl': ['/usr/bin/openssl', 'pass'],
      'tool htop': ['/usr/bin/htop', 'pass'],
      'env-file .env': ['present, mode 600', 'pass'],
      'secret DB_PASSWORD': ['present (set, non-empty)', 'pass'],
      'secret JWT_SECRET_KEY': ['present (set, non-empty)', 'pass'],
      'secret ENCRYPTION_KEY': ['present (set, non-empty)', 'pass'],
      'tls-cert docker/certs/fullchain.pem': ['expires 2027-02-26 (in 90 days)', 'pass'],
    });
    expect(results[0]).toEqual(
      expect.objectContaining({
        host: 'web1',
        minimum: '4',
        recommended: '8',
        threshold: 'min 4, recommended 8',
      }),
    );
    expect(results.find((result) => result.check === 'memory')).toEqual(
      expect.objectContaining({ minimum: '8 GB', recommended: '16 GB' }),
    );
  });

  it('grades this machine kind honestly: 2 CPUs, Debian, Docker 20.10, Compose v1, no htop', () => {
    const text = UBUNTU_SERVER.replace('nproc\t8', 'nproc\t2')
      .replace('os\tubuntu\t24.04', 'os\tdebian\t12')
      .replace('Ubuntu 24.04.1 LTS', 'Debian GNU/Linux 12 (bookworm)')
      .replace('docker\tok\t27.3.1', 'docker\tok\t20.10.24+dfsg1')
      .replace('compose\tdocker compose\t2.29.7', 'compose\tdocker-compose\t1.29.2')
      .replace('tool\thtop\t/usr/bin/htop', 'tool\thtop\t');
    const rows = rowsOf(judgePreflight('h', text, OPTIONS));
    expect(rows['cpu cores']).toEqual(['2', 'fail']);
    expect(rows.os).toEqual(['Debian GNU/Linux 12 (bookworm) (not Ubuntu)', 'warn']);
    expect(rows.docker).toEqual(['20.10.24+dfsg1', 'fail']);
    expect(rows.compose).toEqual(['docker-compose 1.29.2 (v1, end of life since 2023)', 'fail']);
    expect(rows['tool htop']).toEqual(['not installed', 'warn']);
    // Lowered minimums (the inputs) make the same server pass them, still short of the recommended.
    const lowered = rowsOf(
      judgePreflight('h', text, {
        ...OPTIONS,
        thresholds: {
          ...OPTIONS.thresholds,
          minCpus: 1,
          minDockerVersion: '20.10',
          minComposeVersion: '1.29',
        },
      }),
    );
    expect(lowered['cpu cores']).toEqual(['2', 'warn']);
    expect(lowered.docker).toEqual(['20.10.24+dfsg1', 'pass']);
    expect(lowered.compose[1]).toBe('pass');
  });

  it.each([
    ['8 GiB server (7.8 GiB MemTotal) meets 8 GB', '8148460', 'warn'],
    ['7 GiB is short of 8 GB', '7340032', 'fail'],
    ['a 16 GiB server meets the recommendation', '16324408', 'pass'],
  ])('memory: %s', (_name, kb, verdict) => {
    const text = UBUNTU_SERVER.replace('memtotal\t16324408', `memtotal\t${kb}`);
    expect(rowsOf(judgePreflight('h', text, OPTIONS)).memory[1]).toBe(verdict);
  });

  it.each([
    ['a 50 GB disk (48 GB in df) meets the minimum', '46875000', 'warn'],
    ['30 GB is short', '29296875', 'fail'],
    ['a 100 GB disk meets the recommendation', '95000000', 'pass'],
  ])('disk: %s', (_name, kb, verdict) => {
    const text = UBUNTU_SERVER.replace('102687672 57315248 /', `${kb} 1000 /`);
    expect(rowsOf(judgePreflight('h', text, OPTIONS))['disk size (/)'][1]).toBe(verdict);
  });

  it('fails missing and empty secrets, a missing env-file, and warns on a world-readable one', () => {
    const text = UBUNTU_SERVER.replace('secret\tJWT_SECRET_KEY\tpresent', 'secret\tJWT_SECRET_KEY\tempty')
      .replace('secret\tENCRYPTION_KEY\tpresent', 'secret\tENCRYPTION_KEY\tmissing')
      .replace('envfile\tpresent\t600', 'envfile\tpresent\t644');
    const rows = rowsOf(judgePreflight('h', text, OPTIONS));
    expect(rows['secret JWT_SECRET_KEY']).toEqual(['empty', 'fail']);
    expect(rows['secret ENCRYPTION_KEY']).toEqual(['missing from .env', 'fail']);
    expect(rows['env-file .env']).toEqual([
      'present, mode 644 (readable by every user on the server)',
      'warn',
    ]);
    const none = UBUNTU_SERVER.replace('envfile\tpresent\t600', 'envfile\tmissing').replace(
      /secret\t(\w+)\tpresent/g,
      'secret\t$1\tmissing',
    );
    const noneRows = rowsOf(judgePreflight('h', none, OPTIONS));
    expect(noneRows['env-file .env']).toEqual(['missing', 'fail']);
    expect(noneRows['secret DB_PASSWORD']).toEqual(['missing (no readable .env)', 'fail']);
  });

  it.each([
    ['ok', 'notAfter=Feb 26 12:00:00 2027 GMT', 'expires 2027-02-26 (in 90 days)', 'pass'],
    [
      'expiring',
      'notAfter=Dec  5 12:00:00 2026 GMT',
      'expires 2026-12-05 (in 7 days): expiring within 14 days',
      'warn',
    ],
    ['expired', 'notAfter=Feb  1 00:00:00 2020 GMT', expect.stringMatching(/^expired 2020-02-01/), 'fail'],
    ['missing', '', 'missing', 'fail'],
    ['unreadable', '', 'unreadable (permissions)', 'fail'],
    ['unparseable', '', 'not a PEM certificate openssl can read', 'fail'],
    ['no-openssl', '', 'present; not verified: openssl is not installed on the server', 'warn'],
  ])('tls-cert %s', (state, enddate, value, verdict) => {
    const text = UBUNTU_SERVER.replace(
      'tls\tok\tnotAfter=Feb 26 12:00:00 2027 GMT',
      `tls\t${state}\t${enddate}`,
    );
    expect(rowsOf(judgePreflight('h', text, OPTIONS))['tls-cert docker/certs/fullchain.pem']).toEqual([
      value,
      verdict,
    ]);
  });

  it('leaves the certificate out when tls-cert is empty, and fails what the script could not read', () => {
    const rows = rowsOf(judgePreflight('h', 'now\t1\n', { ...OPTIONS, tlsCert: undefined }));
    expect(Object.keys(rows).some((check) => check.startsWith('tls-cert'))).toBe(false);
    expect(rows['cpu cores']).toEqual(['unknown (nproc gave nothing)', 'fail']);
    expect(rows.docker[1]).toBe('fail');
    expect(rows.compose).toEqual(['neither "docker compose" nor "docker-compose" answers', 'fail']);
  });

  it('names an unreachable engine and a compose command given that does not answer', () => {
    const text = UBUNTU_SERVER.replace(
      'docker\tok\t27.3.1',
      'docker\terror\tpermission denied while trying to connect to the Docker daemon socket',
    ).replace('compose\tdocker compose\t2.29.7', 'compose\t\tdocker-compose-v9');
    const rows = rowsOf(judgePreflight('h', text, { ...OPTIONS, composeCommand: ['docker-compose-v9'] }));
    expect(rows.docker).toEqual([
      'engine not reachable: permission denied while trying to connect to the Docker daemon socket (is the user in the docker group?)',
      'fail',
    ]);
    expect(rows.compose).toEqual(['"docker-compose-v9" does not answer "version --short"', 'fail']);
  });

  it('passes names and the compose words as arguments, refusing a name that is no variable name', () => {
    expect(preflightArgs({ ...OPTIONS, composeCommand: ['docker', 'compose'] })).toEqual([
      '/opt/thinktank',
      '.env',
      'docker/certs/fullchain.pem',
      '3',
      'DB_PASSWORD',
      'JWT_SECRET_KEY',
      'ENCRYPTION_KEY',
      'docker',
      'compose',
    ]);
    expect(() => preflightArgs({ ...OPTIONS, requiredSecrets: ['A;rm -rf /'] })).toThrow(
      /not an environment variable name/,
    );
  });
});

describe('the env-file reader (the awk program the server runs), on real files', () => {
  const dir = scratchDir('tt-envfile-');
  const state = (text: string, name = 'DB_PASSWORD') => {
    const file = join(dir, 'env');
    writeFileSync(file, text);
    return execFileSync('awk', ['-v', `name=${name}`, '-v', "q='", ENV_STATE_AWK, file], {
      encoding: 'utf8',
    }).trim();
  };

  it.each([
    ['DB_PASSWORD=s3cret\n', 'present'],
    ['export DB_PASSWORD=s3cret\n', 'present'],
    ['  DB_PASSWORD = s3cret  \n', 'present'],
    ['DB_PASSWORD="s3cret"\n', 'present'],
    ["DB_PASSWORD='s3 cret # not a comment'\n", 'present'],
    ['DB_PASSWORD=#starts-with-hash\n', 'present'],
    ['DB_PASSWORD=s3cret # a comment\n', 'present'],
    ['DB_PASSWORD=s3cret\r\n', 'present'],
    ['DB_PASSWORD=\n', 'empty'],
    ['DB_PASSWORD=   \n', 'empty'],
    ['DB_PASSWORD=""\n', 'empty'],
    ["DB_PASSWORD=''\n", 'empty'],
    ['DB_PASSWORD= # only a comment\n', 'empty'],
    ['DB_PASSWORD=\r\n', 'empty'],
    ['DB_PASSWORD=first\nDB_PASSWORD=\n', 'empty'],
    ['DB_PASSWORD=\nDB_PASSWORD=later\n', 'present'],
    ['# DB_PASSWORD=commented\n', 'missing'],
    ['DB_PASSWORD_OLD=x\nMY_DB_PASSWORD=y\n', 'missing'],
    ['DB_PASSWORD\n', 'missing'],
    ['', 'missing'],
  ])('%j → %s', (text, expected) => {
    expect(state(text)).toBe(expected);
  });

  it('prints only the state, never the value', () => {
    expect(state('DB_PASSWORD=hunter2-value\n')).toBe('present');
  });
});

describe('dependency parsers and graders', () => {
  it.each([
    ['12.50%', 12.5],
    ['0.00%', 0],
    [' 183.2% ', 183.2],
    ['--', undefined],
    ['', undefined],
  ])('parsePercent(%j)', (text, expected) => {
    expect(parsePercent(text)).toBe(expected);
  });

  it.each([
    [80, 80, 95, 'pass'],
    [80.5, 80, 95, 'warn'],
    [95, 80, 95, 'warn'],
    [96, 80, 95, 'fail'],
    [0, 70, 90, 'pass'],
  ])('gradeAbove(%d, warn %d, fail %d) = %s', (value, warn, fail, verdict) => {
    expect(gradeAbove(value, warn, fail)).toBe(verdict);
  });

  it.each([
    ['5|100', { used: 5, max: 100 }],
    ['  85|100\n', { used: 85, max: 100 }],
    ['psql: error: connection refused', undefined],
    ['3|0', undefined],
  ])('parseConnections(%j)', (text, expected) => {
    expect(parseConnections(text)).toEqual(expected);
  });

  it('reads CPU as a share of what each container may use (its limit, else every host CPU)', () => {
    const usages = containerUsage(
      [
        ['gateway', '150.00%', '12.00%'],
        ['worker', '95.00%', '91.50%'],
        ['limited', '45.00%', '3.00%'],
        ['starting', '--', '--'],
      ],
      [
        ['/gateway', '0', '0', '0'],
        ['/worker', '0', '0', '0'],
        ['/limited', '500000000', '0', '0'],
      ],
      2,
    );
    expect(usages).toEqual([
      { name: 'gateway', cpuPercent: 75, memoryPercent: 12 },
      { name: 'worker', cpuPercent: 47.5, memoryPercent: 91.5 },
      { name: 'limited', cpuPercent: 90, memoryPercent: 3 },
    ]);
    expect(usageRow(usages, 'cpuPercent')).toEqual({
      value: 'limited 90.0%, gateway 75.0% (of 3 containers)',
      verdict: 'warn',
    });
    expect(usageRow(usages, 'memoryPercent')).toEqual({
      value: 'worker 91.5% (of 3 containers)',
      verdict: 'fail',
    });
    expect(usageRow(usages.slice(0, 1), 'memoryPercent')).toEqual({
      value: 'highest gateway 12.0% (of 1 containers)',
      verdict: 'pass',
    });
    expect(usageRow([], 'cpuPercent').verdict).toBe('skip');
    // A CFS quota counts as a limit too.
    expect(containerUsage([['q', '100%', '1%']], [['/q', '0', '200000', '100000']], 8)[0].cpuPercent).toBe(
      50,
    );
  });

  const DEPS = { postgresContainer: 'pg', redisContainer: 'rd', backupContainer: 'bk' };
  const HEALTHY = facts([
    ['stack', 'listed'],
    ['pg_state', 'running'],
    ['pg_ready', '0', '127.0.0.1:5432 - accepting connections'],
    ['pg_connections', '0', '3|100'],
    ['redis_state', 'running'],
    ['redis_ping', '0', 'PONG'],
    ['backup_state', 'running'],
    ['nproc', '2'],
    ['stats', 'pg', '0.01%', '0.10%'],
    ['stats', 'rd', '0.30%', '0.05%'],
    ['limits', '/pg', '0', '0', '0'],
  ]);

  it('passes healthy dependencies', () => {
    expect(rowsOf(judgeDependencies('h', HEALTHY, DEPS))).toEqual({
      'postgres (pg)': ['127.0.0.1:5432 - accepting connections', 'pass'],
      'postgres connections': ['3 of 100 (3%)', 'pass'],
      'redis (rd)': ['PONG', 'pass'],
      'container cpu': ['highest rd 0.1% (of 2 containers)', 'pass'],
      'container memory': ['highest pg 0.1% (of 2 containers)', 'pass'],
      'backup container (bk)': ['running', 'pass'],
    });
  });

  it.each([
    [
      'absent containers warn (the backup container fails), their probes are skipped',
      ['pg_state\tabsent', 'redis_state\tabsent', 'backup_state\tabsent'],
      {
        'postgres (pg)': ['absent (no such container)', 'warn'],
        'postgres connections': ['not checked: postgres is not running', 'skip'],
        'redis (rd)': ['absent (no such container)', 'warn'],
        'backup container (bk)': ['absent (no such container)', 'fail'],
      },
    ],
    [
      'docker stats that answers nothing for the containers it was given warns (never "nothing to measure")',
      ['measured\t3', 'stack\tlisted'],
      {
        'container cpu': ['docker stats answered nothing for 3 containers', 'warn'],
        'container memory': ['docker stats answered nothing for 3 containers', 'warn'],
      },
    ],
    [
      'stopped containers fail',
      ['pg_state\texited', 'redis_state\texited', 'backup_state\texited'],
      {
        'postgres (pg)': ['exited', 'fail'],
        'redis (rd)': ['exited', 'fail'],
        'backup container (bk)': ['exited', 'fail'],
      },
    ],
    [
      'a PostgreSQL that does not answer, a Redis that wants a password',
      [
        'pg_state\trunning',
        'pg_ready\t2\t127.0.0.1:5432 - no response',
        'pg_connections\t2\tpsql: error: connection refused',
        'redis_state\trunning',
        'redis_ping\t0\tNOAUTH Authentication required.',
      ],
      {
        'postgres (pg)': ['127.0.0.1:5432 - no response', 'fail'],
        'postgres connections': ['could not count them: psql: error: connection refused', 'skip'],
        'redis (rd)': ['NOAUTH Authentication required.', 'fail'],
      },
    ],
    [
      'a nearly full pool warns, a full one fails',
      ['pg_state\trunning', 'pg_ready\t0\tok', 'pg_connections\t0\t85|100'],
      { 'postgres connections': ['85 of 100 (85%)', 'warn'] },
    ],
    [
      'a full pool fails',
      ['pg_state\trunning', 'pg_ready\t0\tok', 'pg_connections\t0\t97|100'],
      { 'postgres connections': ['97 of 100 (97%)', 'fail'] },
    ],
    [
      'an engine error is a failure, named',
      ['pg_state\terror: Cannot connect to the Docker daemon'],
      { 'postgres (pg)': ['error: Cannot connect to the Docker daemon', 'fail'] },
    ],
  ])('%s', (_name, lines, expected) => {
    const rows = rowsOf(judgeDependencies('h', lines.join('\n'), DEPS));
    expect(rows).toEqual(expect.objectContaining(expected));
  });

  it('leaves out what is not checked, and says when the stack could not be listed', () => {
    const rows = rowsOf(
      judgeDependencies('h', HEALTHY.replace('stack\tlisted', 'stack\tunlisted'), {
        postgresContainer: undefined,
        redisContainer: undefined,
        backupContainer: undefined,
      }),
    );
    expect(Object.keys(rows)).toEqual(['container cpu', 'container memory']);
    expect(rows['container cpu'][0]).toMatch(/the stack was not listed/);
  });
});

describe('backup names, ages and retention', () => {
  it.each([
    ['/backups/daily/thinktank_daily_20260225_020000.sql.gz', 'daily', Date.UTC(2026, 1, 25, 2, 0, 0) / 1000],
    ['/backups/weekly/thinktank_weekly_20260222_030000.sql.gz', 'weekly', Date.UTC(2026, 1, 22, 3) / 1000],
    ['/backups/monthly/x_20260201-040000.dump', 'monthly', Date.UTC(2026, 1, 1, 4) / 1000],
    ['/srv/b/thinktank_daily_20261128_120102_4242.sql', 'daily', Date.UTC(2026, 10, 28, 12, 1, 2) / 1000],
    ['/srv/b/app_20261128120102.sql', undefined, Date.UTC(2026, 10, 28, 12, 1, 2) / 1000],
    ['/srv/b/dailyish.sql', undefined, undefined],
    ['/srv/b/x_20261332_250000.sql', undefined, undefined],
    ['/srv/b/x_20260230_010000.sql', undefined, undefined],
    ['/srv/b/latest.sql', undefined, undefined],
  ])('%s: tier %s, stamp %s', (path, tier, stamp) => {
    expect(tierOf(path)).toBe(tier);
    expect(stampOf(path)).toBe(stamp);
  });

  it.each([
    ['+0000', 0],
    ['+0100', 3600],
    ['-0530', -19800],
    ['+05:45', 20700],
    ['', 0],
    ['garbage', 0],
  ])('offsetSeconds(%j) = %d', (text, seconds) => {
    expect(offsetSeconds(text)).toBe(seconds);
  });

  it('reads a name timestamp in the server offset', () => {
    expect(stampOf('/b/thinktank_daily_20260225_020000.sql.gz', 3600)).toBe(Date.UTC(2026, 1, 25, 1) / 1000);
  });

  it('takes the files of a listing, plain or ls -l style', () => {
    expect(
      listedBackups(
        '/b/daily/a_20260101_000000.sql.gz\n-rw-r--r-- 1 root root 12K Feb 25 02:00 /b/weekly/b.sql.gz\nAvailable backups:\n\nc.dump\n',
      ),
    ).toEqual(['/b/daily/a_20260101_000000.sql.gz', '/b/weekly/b.sql.gz', 'c.dump']);
  });

  it.each([
    ['none', [], 'daily 0/7, weekly 0/4, monthly 0/3', 'pass'],
    [
      'as kept',
      [...Array(7).fill('daily'), ...Array(4).fill('weekly'), ...Array(3).fill('monthly')],
      'daily 7/7, weekly 4/4, monthly 3/3',
      'pass',
    ],
    [
      'pruning broken',
      [...Array(9).fill('daily'), 'weekly', 'x'],
      'daily 9/7 (more than kept: is pruning running?), weekly 1/4, monthly 0/3, unclassified 1',
      'warn',
    ],
  ])('retention: %s', (_name, tiers, value, verdict) => {
    const listing = (tiers as string[])
      .map((tier, i) => `/b/${tier}/t_${tier}_202611${String(i + 1).padStart(2, '0')}_020000.sql.gz`)
      .join('\n');
    expect(retentionRow(backupEntries(listing))).toEqual({ value, verdict });
  });

  it.each([
    [3600, '1.0 h old'],
    [30 * 3600, '30.0 h old'],
    [72 * 3600, '3.0 days old'],
    [-7200, '2.0 h in the future (clock skew?)'],
  ])('describeAge(%d) = %s', (seconds, text) => {
    expect(describeAge(seconds)).toBe(text);
  });

  const BACKUPS: BackupOptions = {
    appDir: '/opt/thinktank',
    restoreCommand: 'restore.sh',
    backupContainer: 'bk',
    maxAgeHours: 26,
  };
  const NOW = Date.UTC(2026, 10, 28, 12, 0, 0) / 1000;
  const listing = (...lines: string[][]) => facts([['now', String(NOW)], ['tz', '+0000'], ...lines]);

  it.each([
    [
      'fresh',
      listing(
        ['file', '/b/thinktank_daily_20261127_020000_1.sql'],
        ['file', '/b/thinktank_daily_20261128_020000_2.sql'],
        ['stat', '2048', String(NOW - 36000), '/b/thinktank_daily_20261128_020000_2.sql'],
      ),
      {
        'newest backup': ['/b/thinktank_daily_20261128_020000_2.sql, 10.0 h old (by its name)', 'pass'],
        'backup size': ['2.0 KiB', 'pass'],
        'backup retention': ['daily 2/7, weekly 0/4, monthly 0/3', 'pass'],
      },
    ],
    [
      'older than backup-max-age-hours warns',
      listing(
        ['file', '/b/thinktank_daily_20261127_060000_1.sql'],
        ['stat', '10', '1', '/b/thinktank_daily_20261127_060000_1.sql'],
      ),
      { 'newest backup': ['/b/thinktank_daily_20261127_060000_1.sql, 30.0 h old (by its name)', 'warn'] },
    ],
    [
      'older than twice that fails',
      listing(
        ['file', '/b/thinktank_daily_20200101_020000_1.sql'],
        ['stat', '10', '1', '/b/thinktank_daily_20200101_020000_1.sql'],
      ),
      { 'newest backup': [expect.stringMatching(/days old \(by its name\)$/), 'fail'] },
    ],
    [
      'an empty newest backup fails',
      listing(
        ['file', '/b/thinktank_daily_20261128_020000_1.sql'],
        ['stat', '0', String(NOW), '/b/thinktank_daily_20261128_020000_1.sql'],
      ),
      { 'backup size': ['0 bytes (empty: the backup failed)', 'fail'] },
    ],
    [
      'names without a timestamp: by modification time',
      listing(
        ['file', '/b/old.sql'],
        ['file', '/b/new.sql'],
        ['stat', '5', String(NOW - 100 * 3600), '/b/old.sql'],
        ['stat', '6', String(NOW - 3600), '/b/new.sql'],
      ),
      {
        'newest backup': ['/b/new.sql, 1.0 h old (by its modification time)', 'pass'],
        'backup size': ['6 bytes', 'pass'],
        'backup retention': ['daily 0/7, weekly 0/4, monthly 0/3, unclassified 2', 'pass'],
      },
    ],
    [
      'no stat answer: size unknown (a warning)',
      listing(['file', '/b/thinktank_daily_20261128_020000_1.sql']),
      { 'backup size': ['unknown: stat found no /b/thinktank_daily_20261128_020000_1.sql in bk', 'warn'] },
    ],
    [
      'none listed fails',
      listing(),
      {
        'newest backup': ['none: restore-command --list names no backup', 'fail'],
        'backup size': ['no backup listed', 'skip'],
      },
    ],
    [
      'a backup container that is not running: not listed (its own row says why)',
      facts([
        ['now', String(NOW)],
        ['container', 'exited'],
      ]),
      { 'newest backup': ['not listed: the backup container bk is exited', 'skip'] },
    ],
  ])('%s', (_name, text, expected) => {
    expect(rowsOf(judgeBackups('h', text, BACKUPS))).toEqual(expect.objectContaining(expected));
  });

  it('fails naming a listing that failed', () => {
    const rows = rowsOf(
      judgeBackups(
        'h',
        listing(['list_failed', '1']),
        BACKUPS,
        'restore-command --list exited with code 1: no such container',
      ),
    );
    expect(rows['newest backup']).toEqual([
      'restore-command --list exited with code 1: no such container',
      'fail',
    ]);
  });
});

describe('health summary', () => {
  it('puts preflight rows in a table of their own, with minimum and recommended', () => {
    const summary = healthSummary(
      {
        healthy: false,
        attempts: 1,
        checks: [
          { host: 'h', check: 'server-url', value: 'HTTP 200', threshold: 'status healthy', verdict: 'pass' },
          ...judgePreflight('h', UBUNTU_SERVER.replace('nproc\t8', 'nproc\t2'), OPTIONS),
        ],
        failing: ['h: cpu cores (2)'],
      },
      'production',
    );
    expect(summary).toMatch(/\| h \| server-url \| HTTP 200 \| status healthy \| ✅ pass \|/);
    expect(summary).toMatch(/### Preflight \(runbook §1\)/);
    expect(summary).toMatch(/\| host \| item \| value \| minimum \| recommended \| verdict \|/);
    expect(summary).toMatch(/\| h \| cpu cores \| 2 \| 4 \| 8 \| ❌ fail \|/);
    expect(summary).not.toMatch(/\| h \| cpu cores \| 2 \| min 4/);
  });
});

describe('action-health runbook inputs', () => {
  const key = makeUserKey(scratchDir('tt-health-inputs-'), 'id_ed25519', 'ed25519');
  const GOOD = {
    host: 'deploy.example.com',
    username: 'deploy',
    'private-key': key.privateKey,
    'insecure-ignore-host-key': 'true',
  };
  const problems = (inputs: Record<string, string>): string[] => {
    try {
      healthSettingsFrom({ ...GOOD, ...inputs });
    } catch (error) {
      if (error instanceof ConfigurationError) return [...error.problems];
      throw error;
    }
    return [];
  };

  it('defaults: dependencies and backups on, preflight off, the runbook thresholds', () => {
    const settings = healthSettingsFrom(GOOD);
    expect(settings.preflight).toBeUndefined();
    expect(settings.dependencies).toEqual({
      postgresContainer: 'thinktank-postgres',
      redisContainer: 'thinktank-redis',
      backupContainer: 'thinktank-backup',
    });
    expect(settings.backups).toEqual({
      appDir: '/opt/thinktank',
      restoreCommand: 'docker exec -i thinktank-backup /usr/local/bin/restore.sh',
      backupContainer: 'thinktank-backup',
      maxAgeHours: 26,
    });
    expect(healthSettingsFrom({ ...GOOD, preflight: 'true' }).preflight).toEqual({
      appDir: '/opt/thinktank',
      envFile: '.env',
      requiredSecrets: ['DB_PASSWORD', 'JWT_SECRET_KEY', 'ENCRYPTION_KEY'],
      tlsCert: 'docker/certs/fullchain.pem',
      thresholds: RUNBOOK_PREFLIGHT.minimum,
      composeCommand: 'auto',
    });
  });

  it('turns each check off', () => {
    const off = healthSettingsFrom({
      ...GOOD,
      'check-dependencies': 'false',
    });
    expect(off.dependencies).toBeUndefined();
    expect(off.backups).toBeUndefined();
    const some = healthSettingsFrom({
      ...GOOD,
      'postgres-container': '',
      'redis-container': '',
      'backup-container': '',
      'backup-max-age-hours': '0',
      preflight: 'true',
      'tls-cert': '',
      'required-secrets': '',
    });
    expect(some.dependencies).toEqual({
      postgresContainer: undefined,
      redisContainer: undefined,
      backupContainer: undefined,
    });
    expect(some.backups).toBeUndefined();
    expect(some.preflight).toEqual(expect.objectContaining({ tlsCert: undefined, requiredSecrets: [] }));
  });

  it('names every bad runbook input, with an example', () => {
    expect(
      problems({
        preflight: 'yes',
        'min-cpus': 'four',
        'min-memory-gb': '-1',
        'min-disk-gb': '1e9',
        'min-docker-version': 'latest',
        'min-compose-version': 'v2',
        'env-file': '/etc/shadow',
        'required-secrets': 'DB_PASSWORD,JWT SECRET;id',
        'tls-cert': '../etc/ssl/cert.pem',
        'check-dependencies': 'sometimes',
        'postgres-container': 'pg;rm -rf /',
        'redis-container': '-redis',
        'backup-container': 'a b',
        'backup-max-age-hours': 'a day',
        'restore-command': 'restore.sh; rm -rf /',
      }),
    ).toEqual([
      expect.stringMatching(/^Input 'preflight': "yes" is not true or false/),
      expect.stringMatching(/^Input 'min-cpus': "four" is not a whole number/),
      expect.stringMatching(/^Input 'min-memory-gb': "-1" is not a number/),
      expect.stringMatching(/^Input 'min-disk-gb': "1e9" is not a number/),
      expect.stringMatching(
        /^Input 'min-docker-version': "latest" is not a version \(major\.minor\)\. Example: 24\.0/,
      ),
      expect.stringMatching(/^Input 'min-compose-version': "v2" is not a version/),
      expect.stringMatching(/^Input 'env-file': "\/etc\/shadow" is not a usable relative path/),
      expect.stringMatching(/^Input 'required-secrets': "JWT SECRET;id" is not an environment variable name/),
      expect.stringMatching(/^Input 'tls-cert': "..\/etc\/ssl\/cert.pem" is not a usable relative path/),
      expect.stringMatching(/^Input 'check-dependencies': /),
      expect.stringMatching(/^Input 'postgres-container': "pg;rm -rf \/" is not a container name/),
      expect.stringMatching(/^Input 'redis-container': "-redis" is not a container name/),
      expect.stringMatching(/^Input 'backup-container': "a b" is not a container name/),
      expect.stringMatching(/^Input 'backup-max-age-hours': "a day" is not a number/),
      expect.stringMatching(/^Input 'restore-command': /),
    ]);
    expect(problems({ 'required-secrets': 'A,B,A' })).toEqual([
      expect.stringMatching(/^Input 'required-secrets': A is named twice/),
    ]);
  });
});
