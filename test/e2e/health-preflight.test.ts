/**
 * action-health's runbook §1 preflight end to end: the bundled action against a sandbox server (this
 * machine: 2 CPUs, Debian 12, Docker 20.10, docker-compose v1), with a real `.env` and real
 * certificates made by openssl: valid for 90 days, for 1 day, and expired.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checksOf, errorLines, runBundledAction, type ActionRun } from '../harness/runner';
import { startSandbox, type Sandbox } from '../harness/sandbox';
import { scratchDir, TEST_USER } from '../harness/sshd';

jest.setTimeout(240_000);

/** A value that must never appear in anything the action writes. */
const SECRET_VALUE = 'pr3fl1ght-S3CRET-value-7731';
const OTHER_VALUE = 'an0ther-s3cret-JWT-9120';

let sandbox: Sandbox;
let uid: number;
let gid: number;
const certs = scratchDir('tt-preflight-certs-');

beforeAll(async () => {
  sandbox = await startSandbox('preflight');
  uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }));
  gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8' }));
  mkdirSync(join(sandbox.stack.appDir, 'docker/certs'), { recursive: true });
  chownSync(join(sandbox.stack.appDir, 'docker/certs'), uid, gid);
});
afterAll(async () => {
  await sandbox?.stop();
  rmSync(certs, { recursive: true, force: true });
});

function writeServerFile(relative: string, text: string, mode = 0o600): void {
  const path = join(sandbox.stack.appDir, relative);
  writeFileSync(path, text);
  chownSync(path, uid, gid);
  chmodSync(path, mode);
}

/** A self-signed certificate valid for `days` from now (openssl req -x509 -days). */
function certificate(days: number): string {
  const dir = join(certs, `days${days}`);
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      String(days),
      '-subj',
      '/CN=thinktank.example',
    ],
    { stdio: 'pipe' },
  );
  return readFileSync(join(dir, 'cert.pem'), 'utf8');
}

/**
 * An expired one: OpenSSL 3.0's `req -x509` refuses a non-positive -days and has no -not_after, but
 * `openssl ca -selfsign` takes explicit -startdate/-enddate.
 */
function expiredCertificate(): string {
  const dir = join(certs, 'expired');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = ca_default',
      '[ ca_default ]',
      `database = ${join(dir, 'index.txt')}`,
      `serial = ${join(dir, 'serial')}`,
      `new_certs_dir = ${dir}`,
      'default_md = sha256',
      'policy = policy_any',
      '[ policy_any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'req.csr',
    '-subj',
    '/CN=expired.example',
  ]);
  run([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-selfsign',
    '-keyfile',
    'key.pem',
    '-in',
    'req.csr',
    '-out',
    'cert.pem',
    '-startdate',
    '20250101000000Z',
    '-enddate',
    '20250201000000Z',
  ]);
  return readFileSync(join(dir, 'cert.pem'), 'utf8');
}

/** Thresholds this machine meets (2 CPUs, Docker 20.10, docker-compose 1.29): the e2e "passing server". */
const FITS_THIS_MACHINE = {
  'min-cpus': '1',
  'min-memory-gb': '1',
  'min-disk-gb': '1',
  'min-docker-version': '20.10',
  'min-compose-version': '1.29',
};

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...sandbox.inputs(),
    'server-url': sandbox.stack.healthUrl,
    retries: '0',
    interval: '1',
    'check-dependencies': 'false',
    preflight: 'true',
    ...extra,
  };
}

const preflightRows = (run: ActionRun) =>
  Object.fromEntries(
    checksOf(run)
      .filter((check) => check.minimum !== undefined)
      .map((check) => [check.check, [check.value, check.verdict]]),
  );

describe('action-health preflight (bundled, sandbox)', () => {
  it('passes a server that meets the (lowered) minimums: a row per item with value, minimum, recommended', async () => {
    writeServerFile(
      '.env',
      `# runbook §1 secrets\nDB_PASSWORD=${SECRET_VALUE}\nexport JWT_SECRET_KEY="${OTHER_VALUE}"\nENCRYPTION_KEY=abc123 # hex\n`,
    );
    writeServerFile('docker/certs/fullchain.pem', certificate(90), 0o644);
    const run = await runBundledAction('action-health', inputs(FITS_THIS_MACHINE));
    expect(errorLines(run)).toEqual([]);
    expect(run.code).toBe(0);
    const rows = preflightRows(run);
    expect(rows).toEqual({
      'cpu cores': ['2', 'warn'],
      memory: [expect.stringMatching(/^\d+(\.\d)? GiB$/), expect.stringMatching(/pass|warn/)],
      'disk size (/)': [
        expect.stringMatching(/^\d+(\.\d)? GB \(\d+(\.\d)? GB free\)$/),
        expect.stringMatching(/pass|warn/),
      ],
      os: ['Debian GNU/Linux 12 (bookworm) (not Ubuntu)', 'warn'],
      docker: [expect.stringMatching(/^20\.10\./), 'pass'],
      compose: [expect.stringMatching(/^docker-compose 1\.29\.\d+ \(v1, end of life since 2023\)$/), 'pass'],
      'tool git': ['/usr/bin/git', 'pass'],
      'tool curl': ['/usr/bin/curl', 'pass'],
      'tool flock': ['/usr/bin/flock', 'pass'],
      'tool timeout': ['/usr/bin/timeout', 'pass'],
      'tool stat': ['/usr/bin/stat', 'pass'],
      'tool openssl': ['/usr/bin/openssl', 'pass'],
      'tool htop': [expect.any(String), expect.stringMatching(/pass|warn/)],
      'env-file .env': ['present, mode 600', 'pass'],
      'secret DB_PASSWORD': ['present (set, non-empty)', 'pass'],
      'secret JWT_SECRET_KEY': ['present (set, non-empty)', 'pass'],
      'secret ENCRYPTION_KEY': ['present (set, non-empty)', 'pass'],
      'tls-cert docker/certs/fullchain.pem': [
        expect.stringMatching(/^expires \d{4}-\d{2}-\d{2} \(in (89|90) days\)$/),
        'pass',
      ],
    });
    expect(checksOf(run).find((check) => check.check === 'cpu cores')).toEqual(
      expect.objectContaining({ minimum: '1', recommended: '8' }),
    );
    expect(run.summary).toMatch(/### Preflight \(runbook §1\)/);
    expect(run.summary).toMatch(/\| host \| item \| value \| minimum \| recommended \| verdict \|/);
    expect(run.summary).toMatch(/\| cpu cores \| 2 \| 1 \| 8 \| ⚠️ warn \|/);
    expect(run.summary).toMatch(
      /\| os \| Debian GNU\/Linux 12 \(bookworm\) \(not Ubuntu\) \| Ubuntu 22\.04\+ \| Ubuntu 24\.04 LTS \| ⚠️ warn \|/,
    );
    expect(run.stdout).toMatch(/^::warning::.*cpu cores: 2$/m);
    for (const text of [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(OTHER_VALUE);
    }
  });

  it('grades this machine against the runbook itself: 2 CPUs, Docker 20.10 and Compose v1 fail', async () => {
    const run = await runBundledAction('action-health', inputs());
    expect(run.code).toBe(1);
    const rows = preflightRows(run);
    expect(rows['cpu cores']).toEqual(['2', 'fail']);
    expect(rows.docker).toEqual([expect.stringMatching(/^20\.10\./), 'fail']);
    expect(rows.compose[1]).toBe('fail');
    expect(checksOf(run).find((check) => check.check === 'docker')).toEqual(
      expect.objectContaining({ minimum: '24.0+', recommended: 'latest stable' }),
    );
    expect(errorLines(run)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^::error::.*: cpu cores: 2$/),
        expect.stringMatching(/^::error::.*: docker: 20\.10\./),
        expect.stringMatching(/^::error::.*: compose: docker-compose 1\.29/),
      ]),
    );
  });

  it('fails a missing and an empty secret, an expired certificate and too little disk, never printing a value', async () => {
    writeServerFile(
      '.env',
      `DB_PASSWORD=${SECRET_VALUE}\nJWT_SECRET_KEY=\nJWT_SECRET_KEY_OLD=${OTHER_VALUE}\n`,
    );
    writeServerFile('docker/certs/fullchain.pem', expiredCertificate(), 0o644);
    const run = await runBundledAction(
      'action-health',
      inputs({ ...FITS_THIS_MACHINE, 'min-disk-gb': '100000', retries: '3' }),
    );
    expect(run.code).toBe(1);
    const rows = preflightRows(run);
    expect(rows['secret DB_PASSWORD']).toEqual(['present (set, non-empty)', 'pass']);
    expect(rows['secret JWT_SECRET_KEY']).toEqual(['empty', 'fail']);
    expect(rows['secret ENCRYPTION_KEY']).toEqual(['missing from .env', 'fail']);
    expect(rows['tls-cert docker/certs/fullchain.pem']).toEqual([
      expect.stringMatching(/^expired 2025-02-01 \(\d+ days? ago\)$/),
      'fail',
    ]);
    expect(rows['disk size (/)'][1]).toBe('fail');
    expect(checksOf(run).find((check) => check.check === 'disk size (/)')).toEqual(
      expect.objectContaining({ minimum: '100000 GB', recommended: '100000 GB' }),
    );
    const host = `${sandbox.sshd.address}:${sandbox.sshd.port}`;
    expect(errorLines(run)).toEqual([
      `::error::${host}: disk size (/): ${rows['disk size (/)'][0]}`,
      `::error::${host}: secret JWT_SECRET_KEY: empty`,
      `::error::${host}: secret ENCRYPTION_KEY: missing from .env`,
      expect.stringMatching(
        new RegExp(`^::error::${host}: tls-cert docker/certs/fullchain.pem: expired 2025-02-01`),
      ),
      expect.stringMatching(
        /^::error::unhealthy: .*disk size.*secret JWT_SECRET_KEY.*secret ENCRYPTION_KEY.*tls-cert/,
      ),
    ]);
    expect(run.summary).toMatch(/\| secret JWT_SECRET_KEY \| empty \| set, non-empty \| {2}\| ❌ fail \|/);
    expect(run.summary).toMatch(
      /\| secret ENCRYPTION_KEY \| missing from .env \| set, non-empty \| {2}\| ❌ fail \|/,
    );
    // The preflight does not change between rounds: it ran once, and no round waited for it.
    expect(run.summary).toMatch(/Rounds: 1\n/);
    for (const text of [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)]) {
      expect(text).not.toContain(SECRET_VALUE);
      expect(text).not.toContain(OTHER_VALUE);
    }
  });

  it('warns on a certificate expiring within 14 days, and on an env-file every user can read', async () => {
    writeServerFile('.env', 'DB_PASSWORD=a\nJWT_SECRET_KEY=b\nENCRYPTION_KEY=c\n', 0o644);
    writeServerFile('docker/certs/fullchain.pem', certificate(1), 0o644);
    const run = await runBundledAction('action-health', inputs(FITS_THIS_MACHINE));
    expect(run.code).toBe(0);
    const rows = preflightRows(run);
    expect(rows['tls-cert docker/certs/fullchain.pem']).toEqual([
      expect.stringMatching(/^expires \d{4}-\d{2}-\d{2} \(in (0 days|1 day)\): expiring within 14 days$/),
      'warn',
    ]);
    expect(rows['env-file .env']).toEqual([
      'present, mode 644 (readable by every user on the server)',
      'warn',
    ]);
    expect(run.stdout).toMatch(
      /^::warning::.*tls-cert docker\/certs\/fullchain\.pem: .*expiring within 14 days$/m,
    );
  });

  it('fails a missing env-file and certificate, and checks neither when told not to', async () => {
    rmSync(join(sandbox.stack.appDir, '.env'), { force: true });
    rmSync(join(sandbox.stack.appDir, 'docker/certs/fullchain.pem'), { force: true });
    const run = await runBundledAction('action-health', inputs(FITS_THIS_MACHINE));
    expect(run.code).toBe(1);
    const rows = preflightRows(run);
    expect(rows['env-file .env']).toEqual(['missing', 'fail']);
    expect(rows['secret DB_PASSWORD']).toEqual(['missing (no readable .env)', 'fail']);
    expect(rows['tls-cert docker/certs/fullchain.pem']).toEqual(['missing', 'fail']);
    const none = await runBundledAction(
      'action-health',
      inputs({ ...FITS_THIS_MACHINE, 'required-secrets': '', 'tls-cert': '', 'env-file': 'docker/.env' }),
    );
    expect(none.code).toBe(0);
    expect(Object.keys(preflightRows(none)).filter((check) => /^(secret|tls-cert)/.test(check))).toEqual([]);
  });

  it('refuses bad preflight inputs before connecting, naming each', async () => {
    const before = (sandbox.sshd.log().match(/Connection from/g) ?? []).length;
    const run = await runBundledAction(
      'action-health',
      inputs({
        'required-secrets': 'DB_PASSWORD,$(id)',
        'min-cpus': 'many',
        'tls-cert': '/etc/ssl/private/key.pem',
        'env-file': '../.env',
      }),
    );
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([
      expect.stringMatching(/^::error::Input 'min-cpus': "many" is not a whole number/),
      expect.stringMatching(/^::error::Input 'env-file': "..\/.env" is not a usable relative path/),
      expect.stringMatching(
        /^::error::Input 'required-secrets': "\$\(id\)" is not an environment variable name/,
      ),
      expect.stringMatching(
        /^::error::Input 'tls-cert': "\/etc\/ssl\/private\/key.pem" is not a usable relative path/,
      ),
      '::error::4 problems with the inputs; nothing was run',
    ]);
    expect((sandbox.sshd.log().match(/Connection from/g) ?? []).length).toBe(before);
  });
});
