/**
 * Runbook §2, a first deployment: a server where app-dir is not a checkout. Without `repository` the
 * deploy refuses; with it the server fetches the repository itself, and refuses while `.env` is
 * missing (nothing built or started); with `.env` and the certificate in place it passes the
 * preflight, starts the whole stack (dependencies first), migrates, and runs the post-deployment
 * checklist. The bundled action runs against a real sshd, Docker and PostgreSQL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorLines, runBundledAction } from '../harness/runner';
import { startPostgres, type Postgres } from '../harness/postgres';
import { connectionInputs } from '../harness/settings';
import { makeUserKey, scratchDir, startSshd, TEST_USER, type Sshd, type UserKey } from '../harness/sshd';
import {
  buildBaseImage,
  createAppRepo,
  imageTagOf,
  ledgerOf,
  localCompose,
  writeStackEnv,
  type AppRepo,
  type StackEnv,
} from '../harness/stack';

jest.setTimeout(600_000);

let sshd: Sshd;
let pg: Postgres;
let key: UserKey;
let repo: AppRepo;
/** The server's app-dir: not a checkout; a person has put the compose settings there first. */
let appDir: string;
let env: StackEnv;

beforeAll(async () => {
  key = makeUserKey(scratchDir('tt-first-key-'), 'id_ed25519', 'ed25519');
  [sshd, pg] = await Promise.all([startSshd({ authorizedKeys: [key.publicKey] }), startPostgres()]);
  buildBaseImage();
  repo = createAppRepo('first');
  appDir = join(repo.dir, 'server');
  env = writeStackEnv('first', appDir, repo.dir, { databaseUrl: pg.url });
});

afterAll(async () => {
  if (env !== undefined && existsSync(join(appDir, 'docker/docker-compose-prod.yaml'))) {
    const words = localCompose();
    spawnSync(
      words[0],
      [...words.slice(1), '-f', 'docker/docker-compose-prod.yaml', 'down', '-v', '-t', '1'],
      {
        cwd: appDir,
        stdio: 'ignore',
      },
    );
  }
  if (repo !== undefined)
    spawnSync(
      'docker',
      [
        'rmi',
        ...['gateway', 'langgraph', 'worker', 'migrator'].map(
          (s) => `thinktank-fixture/${s}:${imageTagOf(repo.shas.v2)}`,
        ),
      ],
      {
        stdio: 'ignore',
      },
    );
  pg?.stop();
  await sshd?.stop();
});

const alembic = () => `cd backend && DATABASE_URL=${pg.url} /usr/bin/python3 -m alembic`;

function deploy(extra: Record<string, string> = {}) {
  return runBundledAction('action-deploy', {
    ...connectionInputs(sshd, key),
    'app-dir': appDir,
    ref: 'v2',
    environment: 'staging',
    'health-url': `http://127.0.0.1:${env.gatewayPort}/health`,
    'wait-timeout': '30',
    'migrate-service': '',
    'alembic-command': alembic(),
    'backup-command': `BACKUP_DIR=${env.backupDir} DATABASE_URL=${pg.url} sh scripts/backup.sh`,
    repository: repo.origin,
    // This machine against the runbook's table: 2 cores, Debian's Docker 20.10 and docker-compose 1.29.
    'min-cpus': '1',
    'min-memory-gb': '1',
    'min-disk-gb': '1',
    'min-docker-version': '20.10',
    'min-compose-version': '1.29',
    'backup-container': env.containers.backup,
    'metrics-url': `http://127.0.0.1:${env.gatewayPort}/metrics`,
    ...extra,
  });
}

/** The containers of this stack's project, by service. */
function running(): Record<string, string> {
  const out = execFileSync(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${env.project}`,
      '--format',
      '{{.Label "com.docker.compose.service"}} {{.State}}',
    ],
    { encoding: 'utf8' },
  );
  return Object.fromEntries(
    out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split(' ') as [string, string]),
  );
}
const asUser = (...args: string[]) =>
  execFileSync('runuser', ['-u', TEST_USER, '--', ...args], { encoding: 'utf8' });

describe('first deployment (runbook §2)', () => {
  it('a dry run on a server without a checkout lists the first deployment and changes nothing', async () => {
    const run = await deploy({ 'dry-run': 'true' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/is not a checkout; a first deployment would:/);
    expect(run.stdout).toContain(`remote origin = ${repo.origin}`);
    expect(existsSync(join(appDir, '.git'))).toBe(false);
    expect(running()).toEqual({});
  });

  it('refuses without repository, naming the input; app-dir is left as it was', async () => {
    const run = await deploy({ repository: '' });
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toMatch(/is not a git checkout .*set the repository input/);
    expect(existsSync(join(appDir, '.git'))).toBe(false);
    expect(running()).toEqual({});
  });

  it('a fetch that fails (a wrong repository) leaves nothing that blocks a retry with the right one', async () => {
    const run = await deploy({ repository: join(repo.dir, 'no-such-origin.git') });
    expect(run.code).toBe(1);
    expect(errorLines(run).join('\n')).toMatch(/git fetch origin/);
    expect(running()).toEqual({});
    // The next test deploys with the right repository into this same half-made repository.
  });

  it('clones, then refuses while .env is missing: what it must hold and how to make the secrets', async () => {
    const run = await deploy();
    expect(run.code).toBe(1);
    const errors = errorLines(run).join('\n');
    expect(errors).toMatch(/\.env is missing in .*DB_PASSWORD, JWT_SECRET_KEY, ENCRYPTION_KEY/);
    expect(errors).toContain('openssl rand -hex 32');
    // The server fetched the repository itself and checked the target out; nothing was built or started.
    expect(asUser('git', '-C', appDir, 'rev-parse', 'HEAD').trim()).toBe(repo.shas.v2);
    expect(asUser('git', '-C', appDir, 'remote', 'get-url', 'origin').trim()).toBe(repo.origin);
    expect(running()).toEqual({});
    expect(ledgerOf(join(appDir, '.deploy'))).toEqual([]);
    expect(run.summary).toMatch(/Preflight \(runbook §1\)[\s\S]*env-file \.env[\s\S]*❌ fail/);
  });

  it('with .env and the certificate in place: the whole stack starts, migrated, checklist passed', async () => {
    writeFileSync(
      join(appDir, '.env'),
      'DB_PASSWORD=pw-secret-value\nJWT_SECRET_KEY=jwt-secret-value\nENCRYPTION_KEY=enc-secret-value\n',
      { mode: 0o600 },
    );
    mkdirSync(join(appDir, 'docker/certs'), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '90',
        '-subj',
        '/CN=first.test',
        '-keyout',
        join(appDir, 'docker/certs/privkey.pem'),
        '-out',
        join(appDir, 'docker/certs/fullchain.pem'),
      ],
      { stdio: 'ignore' },
    );
    execFileSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, appDir]);
    const run = await deploy();
    expect(run.code).toBe(0);
    expect(run.outputs['previous-ref']).toBe('');
    expect(run.outputs['deployed-ref']).toBe(repo.shas.v2);
    expect(run.outputs.migrated).toBe('true');
    // Dependencies first, then each listed service; health-url once all of them run.
    expect(run.stdout).toMatch(
      /::group::Start backup, postgres, redis[\s\S]*::group::Migrate[\s\S]*::group::Restart gateway/,
    );
    expect(Object.keys(running()).sort()).toEqual([
      'backup',
      'gateway',
      'langgraph',
      'nginx',
      'postgres',
      'redis',
      'worker',
    ]);
    expect(Object.values(running()).every((state) => state === 'running')).toBe(true);
    expect(pg.sql('SELECT version_num FROM alembic_version')).toBe('0002');
    const report = JSON.parse(run.outputs.report) as { checks: { check: string; verdict: string }[] };
    const verdicts = Object.fromEntries(report.checks.map((check) => [check.check, check.verdict]));
    expect(verdicts).toMatchObject({
      'service nginx': 'pass',
      'service backup': 'pass',
      [`backup container (${env.containers.backup})`]: 'pass',
      'tls-cert docker/certs/fullchain.pem': 'pass',
      'secret DB_PASSWORD': 'pass',
    });
    expect(Object.keys(verdicts).some((check) => check.startsWith('metrics '))).toBe(true);
    expect(run.summary).toContain('Post-deployment checklist (runbook §2)');
    // The secrets' values never leave the server.
    for (const value of ['pw-secret-value', 'jwt-secret-value', 'enc-secret-value']) {
      expect(run.stdout).not.toContain(value);
      expect(run.summary).not.toContain(value);
    }
    const ledger = ledgerOf(join(appDir, '.deploy'));
    expect(ledger.map((entry) => entry.result)).toEqual(['started', 'success']);
    expect(ledger[1]).toMatchObject({ ref: repo.shas.v2, previous_ref: '' });
    expect(readdirSync(env.backupDir).length).toBeGreaterThan(0);
  });

  it('the next deploy is an ordinary one: nothing to do', async () => {
    const run = await deploy();
    expect(run.code).toBe(0);
    expect(ledgerOf(join(appDir, '.deploy')).at(-1)).toMatchObject({ result: 'unchanged' });
    expect(run.summary).not.toContain('Post-deployment checklist');
  });
});
