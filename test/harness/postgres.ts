/** A real PostgreSQL server (Debian's package) on loopback, in a scratch data directory. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitForPort } from './sshd';
import { scratchDir, TEST_USER } from './sshd';

export interface Postgres {
  readonly port: number;
  readonly database: string;
  /** postgresql://ttdeploy@127.0.0.1:PORT/DB (trust auth on loopback). */
  readonly url: string;
  sql(query: string): string;
  stop(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root))
    throw new Error('PostgreSQL is missing: run scripts/setup-machine.sh (Debian postgresql)');
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return join(root, version, 'bin');
}

const asPostgres = (command: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe', encoding: 'utf8' });

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = scratchDir('tt-pg-');
  const data = join(dir, 'data');
  chownSync(
    dir,
    Number(execFileSync('id', ['-u', 'postgres']).toString()),
    Number(execFileSync('id', ['-g', 'postgres']).toString()),
  );
  asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  // A random port can be taken (by another test's server, or an outgoing connection's own port):
  // another one is tried then.
  let port = 0;
  for (let tries = 0; ; tries++) {
    port = 20000 + Math.floor(Math.random() * 40000);
    try {
      asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        join(dir, 'log'),
        '-w',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        'start',
      ]);
      break;
    } catch (error) {
      const log = readFileSync(join(dir, 'log'), 'utf8');
      if (tries >= 5 || !log.includes('Address already in use')) throw error;
    }
  }
  await waitForPort('127.0.0.1', port, 10_000);
  const database = `app${port}`;
  const psql = (db: string, query: string) =>
    execFileSync(
      'psql',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        db,
        '-tAq',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        query,
      ],
      {
        encoding: 'utf8',
      },
    ).trim();
  psql('postgres', `CREATE ROLE ${TEST_USER} LOGIN SUPERUSER`);
  psql('postgres', `CREATE DATABASE ${database} OWNER ${TEST_USER}`);
  return {
    port,
    database,
    url: `postgresql://${TEST_USER}@127.0.0.1:${port}/${database}`,
    sql: (query) => psql(database, query),
    stop: () => {
      spawnSync(
        'runuser',
        ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'],
        { stdio: 'ignore' },
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
