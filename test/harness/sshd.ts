/**
 * A real OpenSSH server (Debian's sshd) on a loopback address, with generated host and user keys,
 * logging in the test user `ttdeploy` (Debian's stock shell start-up). Never a fake server.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_USER = 'ttdeploy';
export const SSHD = '/usr/sbin/sshd';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface UserKey {
  readonly path: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

/** A scratch folder readable by the test user (sshd reads authorized_keys as that user). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** ssh-keygen a user key; `format` PEM gives the old RSA PEM form, `passphrase` encrypts it. */
export function makeUserKey(
  dir: string,
  name: string,
  type: KeyType,
  options: { passphrase?: string; format?: 'PEM' } = {},
): UserKey {
  const path = join(dir, name);
  const args = ['-q', '-t', type, '-N', options.passphrase ?? '', '-f', path, '-C', name];
  if (type === 'rsa') args.push('-b', '2048');
  if (options.format) args.push('-m', options.format);
  execFileSync('ssh-keygen', args);
  return {
    path,
    privateKey: readFileSync(path, 'utf8'),
    publicKey: readFileSync(`${path}.pub`, 'utf8').trim(),
  };
}

export interface SshdOptions {
  readonly hostKeyTypes?: readonly KeyType[];
  readonly authorizedKeys: readonly string[];
  readonly allowTcpForwarding?: boolean;
  readonly passwordAuthentication?: boolean;
  /**
   * Runs sshd through a wrapper: given sshd's command line, returns the one to spawn (which must end
   * by exec'ing it, so the spawned process is the listening sshd), e.g. `unshare -m ... sh -c '...; exec "$@"'`
   * for a server with a mount namespace of its own.
   */
  readonly wrap?: (argv: readonly string[]) => readonly string[];
}

export interface Sshd {
  readonly address: string;
  readonly port: number;
  readonly dir: string;
  /** The listening sshd; its children are the per-connection processes. */
  readonly pid: number;
  /** The server's public host keys, "type base64". */
  readonly hostKeys: Readonly<Record<KeyType, string>>;
  /** A known_hosts line for this server (`[addr]:port type key`). */
  knownHostsLine(type?: KeyType): string;
  stop(): Promise<void>;
  readonly log: () => string;
  /** SIGKILLs this server's per-connection processes: every link drops at once, without an exit status. */
  killConnections(): void;
}

/** SIGKILLs the descendants of one sshd named "sshd: ...", leaving the listener (and other servers) alone. */
function killConnectionsOf(listenerPid: number): void {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);
  const descendants = new Set([listenerPid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const [, pid, ppid] of table) {
      if (descendants.has(Number(ppid)) && !descendants.has(Number(pid))) {
        descendants.add(Number(pid));
        grown = true;
      }
    }
  }
  for (const [, pid, , args] of table) {
    if (Number(pid) !== listenerPid && descendants.has(Number(pid)) && args.startsWith('sshd:')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

function randomAddress(): string {
  return `127.0.${Math.floor(Math.random() * 250) + 2}.${Math.floor(Math.random() * 250) + 2}`;
}

function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 40000);
}

export function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} is missing: run scripts/setup-machine.sh (Debian's openssh-server)`);
  const dir = scratchDir('tt-sshd-');
  const types = options.hostKeyTypes ?? ['ed25519'];
  const hostKeys = {} as Record<KeyType, string>;
  for (const type of types) {
    const path = join(dir, `ssh_host_${type}_key`);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', path]);
    hostKeys[type] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  }
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `${options.authorizedKeys.join('\n')}\n`, { mode: 0o644 });

  for (let tries = 0; ; tries++) {
    const address = randomAddress();
    const port = randomPort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress ${address}:${port}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        ...types.map((type) => `HostKey ${join(dir, `ssh_host_${type}_key`)}`),
        `AuthorizedKeysFile ${authorized}`,
        'UsePAM no',
        // The scratch folder lives under /tmp, which StrictModes would refuse as world-writable.
        'StrictModes no',
        `PasswordAuthentication ${options.passwordAuthentication ? 'yes' : 'no'}`,
        'KbdInteractiveAuthentication no',
        `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
        `AllowUsers ${TEST_USER}`,
        'PermitRootLogin no',
        'MaxStartups 100',
        'MaxSessions 100',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const logPath = join(dir, 'sshd.log');
    const argv = [SSHD, '-D', '-e', '-f', config, '-E', logPath];
    const [command, ...args] = options.wrap === undefined ? argv : options.wrap(argv);
    const child: ChildProcess = spawn(command, args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await Promise.race([
        waitForPort(address, port, 5000),
        exited.then(() => Promise.reject(new Error(`sshd exited: ${readLog(logPath)}`))),
      ]);
    } catch (error) {
      child.kill('SIGKILL');
      if (tries < 5) continue;
      throw error;
    }
    return {
      address,
      port,
      dir,
      pid: child.pid ?? 0,
      hostKeys,
      knownHostsLine: (type = types[0]) => `[${address}]:${port} ${hostKeys[type]}`,
      log: () => readLog(logPath),
      killConnections: () => killConnectionsOf(child.pid ?? 0),
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * OpenSSH client arguments that log in to `sshd` as the test user with `key`, the host pinned by the
 * known_hosts file `knownHosts`, and no user configuration.
 */
export function opensshArgs(
  sshd: Sshd,
  key: UserKey,
  knownHosts: string,
  options: readonly string[] = [],
  remote?: string,
): string[] {
  return [
    '-F',
    'none',
    '-i',
    key.path,
    '-p',
    String(sshd.port),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'LogLevel=ERROR',
    ...options,
    `${TEST_USER}@${sshd.address}`,
    ...(remote === undefined ? [] : [remote]),
  ];
}
