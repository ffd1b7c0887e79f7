/**
 * A whole throwaway "server": a real sshd on loopback in front of the local Docker engine, a real
 * PostgreSQL, and the sample stack checked out and running at v1 with its migration applied and a row
 * of data. Used by the end-to-end tests and by `npm run demo`.
 */
import { execSync } from 'node:child_process';
import { startPostgres, type Postgres } from './postgres';
import { connectionInputs } from './settings';
import { makeUserKey, scratchDir, startSshd, type Sshd, type UserKey } from './sshd';
import { startStack, waitStackHealthy, type Stack } from './stack';

export interface Sandbox {
  readonly sshd: Sshd;
  readonly pg: Postgres;
  readonly stack: Stack;
  readonly key: UserKey;
  /** Alembic on the host, against the sandbox database. */
  readonly alembic: string;
  readonly backupDir: string;
  readonly backupCommand: string;
  readonly restoreCommand: string;
  /** Inputs every action takes to work on the sandbox (connection, app-dir, services, health, alembic). */
  inputs(extra?: Record<string, string>): Record<string, string>;
  /** The checked-out commit of the server checkout. */
  head(): string;
  revision(): string;
  stop(): Promise<void>;
}

export async function startSandbox(name: string, firstRow = 'v1 row'): Promise<Sandbox> {
  const key = makeUserKey(scratchDir(`tt-${name}-key-`), 'id_ed25519', 'ed25519');
  const [sshd, pg] = await Promise.all([startSshd({ authorizedKeys: [key.publicKey] }), startPostgres()]);
  const stack = startStack(name, { databaseUrl: pg.url });
  const alembic = `cd backend && DATABASE_URL=${pg.url} /usr/bin/python3 -m alembic`;
  execSync(`${alembic} upgrade head`, { cwd: stack.appDir, stdio: 'pipe' });
  pg.sql(`INSERT INTO items (name) VALUES ('${firstRow.replaceAll("'", "''")}')`);
  await waitStackHealthy(stack);
  const { backupDir } = stack;
  const env = `BACKUP_DIR=${backupDir} DATABASE_URL=${pg.url}`;
  const backupCommand = `${env} sh scripts/backup.sh`;
  return {
    sshd,
    pg,
    stack,
    key,
    alembic,
    backupDir,
    backupCommand,
    restoreCommand: `${env} sh scripts/restore.sh`,
    inputs: (extra = {}) => ({
      ...connectionInputs(sshd, key),
      'app-dir': stack.appDir,
      services: 'gateway,worker',
      'health-url': stack.healthUrl,
      'wait-timeout': '20',
      'migrate-service': '',
      'alembic-command': alembic,
      'backup-command': backupCommand,
      ...extra,
    }),
    head: () => stack.repo.git('rev-parse', 'HEAD'),
    revision: () => pg.sql('SELECT version_num FROM alembic_version'),
    stop: async () => {
      stack.down();
      pg.stop();
      await sshd.stop();
    },
  };
}
