/** The SSH core against a real OpenSSH sshd on a loopback address. */
import { execFileSync, execSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, toSshCommand } from '../../packages/shared/src/shell';
import {
  ConnectError,
  SshSession,
  describeOutcome,
  type SessionHooks,
} from '../../packages/shared/src/ssh/session';
import type { LogSink } from '../../packages/shared/src/ssh/output';
import { makeUserKey, scratchDir, startSshd, TEST_USER, type Sshd, type UserKey } from '../harness/sshd';
import { connectionFor } from '../harness/settings';
import { ConfigurationError } from '../../packages/shared/src/errors';
import { fingerprintOf } from '../../packages/shared/src/ssh/known-hosts';

jest.setTimeout(60_000);

const dir = scratchDir('tt-ssh-');
const keys = {
  ed25519: makeUserKey(dir, 'id_ed25519', 'ed25519'),
  ecdsa: makeUserKey(dir, 'id_ecdsa', 'ecdsa'),
  rsa: makeUserKey(dir, 'id_rsa', 'rsa'),
  rsaPem: makeUserKey(dir, 'id_rsa_pem', 'rsa', { format: 'PEM' }),
  encrypted: makeUserKey(dir, 'id_encrypted', 'ed25519', { passphrase: 'a long passphrase' }),
};
const stranger = makeUserKey(dir, 'id_stranger', 'ed25519');

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd({
    hostKeyTypes: ['ed25519', 'rsa'],
    authorizedKeys: Object.values(keys).map((key) => key.publicKey),
  });
});
afterAll(async () => {
  await sshd?.stop();
});

class CollectingSink implements LogSink {
  lines: string[] = [];
  write(text: string): void {
    this.lines.push(...text.replace(/\n$/, '').split('\n'));
  }
}

const opened: SshSession[] = [];
afterEach(() => {
  for (const session of opened.splice(0)) session.close();
});
async function open(
  key: UserKey,
  extra: Record<string, string> = {},
  hooks: SessionHooks = {},
  server = sshd,
): Promise<SshSession> {
  const settings = connectionFor(server, key, extra);
  const session = await SshSession.open(settings, settings.targets[0], {
    sink: new CollectingSink(),
    ...hooks,
  });
  opened.push(session);
  return session;
}

function remoteProcesses(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-u', TEST_USER, '-f', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('keys', () => {
  it.each([
    ['OpenSSH ed25519', keys.ed25519, {}],
    ['OpenSSH ecdsa', keys.ecdsa, {}],
    ['OpenSSH rsa (rsa-sha2 signatures on OpenSSH 9)', keys.rsa, {}],
    ['PEM rsa', keys.rsaPem, {}],
    ['encrypted ed25519 with its passphrase', keys.encrypted, { passphrase: 'a long passphrase' }],
  ])('logs in with %s', async (_, key, extra) => {
    const session = await open(key, extra);
    expect((await session.run(commandLine({ argv: ['id', '-un'] }), 'id')).trim()).toBe(TEST_USER);
  });

  it('does not retry a failed login, and says so', async () => {
    const warnings: string[] = [];
    const before = (sshd.log().match(/Connection from/g) ?? []).length;
    const started = Date.now();
    await expect(
      open(stranger, { 'connect-retries': '3' }, { warn: (m) => warnings.push(m) }),
    ).rejects.toThrow(/authentication as ttdeploy on .* failed .*not retried/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(warnings.filter((w) => /retrying/.test(w))).toEqual([]);
    await eventually(() => (sshd.log().match(/Connection from/g) ?? []).length > before, 2000);
    expect((sshd.log().match(/Connection from/g) ?? []).length - before).toBe(1);
  });

  it('logs in with a password when no key is given', async () => {
    const server = await startSshd({ authorizedKeys: [], passwordAuthentication: true });
    const password = `pw-${Math.random().toString(36).slice(2)}-X1`;
    execFileSync('chpasswd', { input: `${TEST_USER}:${password}\n` });
    try {
      const settings = connectionFor(server, keys.ed25519, { 'private-key': '', password });
      const session = await SshSession.open(settings, settings.targets[0], { sink: new CollectingSink() });
      opened.push(session);
      expect((await session.run(commandLine({ argv: ['id', '-un'] }), 'id')).trim()).toBe(TEST_USER);
    } finally {
      execFileSync('usermod', ['-p', '*', TEST_USER]);
      await server.stop();
    }
  });
});

describe('host key pins', () => {
  it('refuses a server whose key matches no pin, before any login is tried', async () => {
    const other = await startSshd({ authorizedKeys: [keys.ed25519.publicKey] });
    try {
      const pinnedElsewhere = `[${sshd.address}]:${sshd.port} ${other.hostKeys.ed25519}`;
      const logBefore = sshd.log().length;
      const newLog = () => sshd.log().slice(logBefore);
      await expect(
        open(keys.ed25519, { 'known-hosts': pinnedElsewhere, 'connect-retries': '2' }),
      ).rejects.toThrow(/matches no pinned key: nothing was sent/);
      // One attempt only (a broken pin is never retried), and it ended before any login was tried.
      // "Received disconnect ... :3:" is SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE, sent by ssh2.
      expect(await eventually(() => /Disconnected from .*\[preauth\]/.test(newLog()), 3000)).toBe(true);
      expect(newLog()).toMatch(/Received disconnect from .*:3: /);
      expect(newLog().match(/Connection from/g)).toHaveLength(1);
      expect(newLog()).not.toMatch(/publickey|Accepted|Failed/);
    } finally {
      await other.stop();
    }
  });

  it('refuses a key marked @revoked even when it is also pinned', async () => {
    const known = `${sshd.knownHostsLine('ed25519')}\n@revoked * ${sshd.hostKeys.ed25519}`;
    await expect(open(keys.ed25519, { 'known-hosts': known })).rejects.toThrow(/@revoked/);
  });

  it('accepts a hashed known_hosts entry made by ssh-keygen -H', async () => {
    const file = join(dir, 'known_hosts_hashed');
    writeFileSync(file, `${sshd.knownHostsLine('ed25519')}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = execFileSync('cat', [file], { encoding: 'utf8' });
    expect(hashed).toMatch(/^\|1\|/);
    const session = await open(keys.ed25519, { 'known-hosts': hashed });
    expect(await session.run(commandLine({ argv: ['true'] }), 'true')).toBe('');
  });

  it('uses an RSA-only pin on a server that also offers ed25519 (negotiation restricted)', async () => {
    const session = await open(keys.ed25519, { 'known-hosts': sshd.knownHostsLine('rsa') });
    expect(await session.run(commandLine({ argv: ['true'] }), 'true')).toBe('');
  });

  it('accepts a SHA256 fingerprint pin', async () => {
    const fingerprint = execFileSync('ssh-keygen', ['-lf', '-'], { input: sshd.hostKeys.ed25519 })
      .toString()
      .split(' ')[1];
    const session = await open(keys.ed25519, { 'known-hosts': '', 'host-fingerprint': fingerprint });
    expect(await session.run(commandLine({ argv: ['true'] }), 'true')).toBe('');
  });

  it('still enforces a pin that is given when insecure-ignore-host-key is true', async () => {
    const other = await startSshd({ authorizedKeys: [] });
    try {
      const pinnedElsewhere = `[${sshd.address}]:${sshd.port} ${other.hostKeys.ed25519}`;
      await expect(
        open(keys.ed25519, { 'known-hosts': pinnedElsewhere, 'insecure-ignore-host-key': 'true' }),
      ).rejects.toThrow(/matches no pinned key/);
    } finally {
      await other.stop();
    }
  });

  it('connects without a pin only with insecure-ignore-host-key, warning loudly', async () => {
    const warnings: string[] = [];
    await open(
      keys.ed25519,
      { 'known-hosts': '', 'insecure-ignore-host-key': 'true' },
      { warn: (m) => warnings.push(m) },
    );
    expect(warnings.join('\n')).toMatch(/NOT verified/);
  });
});

describe('connecting', () => {
  it('gives up on a refused port after its retries, in bounded time', async () => {
    const warnings: string[] = [];
    const started = Date.now();
    const settings = connectionFor(sshd, keys.ed25519, {
      host: `${sshd.address}:${sshd.port === 65535 ? 1 : sshd.port + 1}`,
      'known-hosts': `[${sshd.address}]:${sshd.port + 1} ${sshd.hostKeys.ed25519}`,
      'connect-retries': '2',
    });
    await expect(
      SshSession.open(settings, settings.targets[0], { warn: (m) => warnings.push(m) }),
    ).rejects.toThrow(/ECONNREFUSED.*gave up after 3 attempts/);
    expect(warnings.filter((w) => /retrying/.test(w))).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('times out on a server that accepts TCP but never speaks (connect-timeout)', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, sshd.address, resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const settings = connectionFor(sshd, keys.ed25519, {
        host: `${sshd.address}:${port}`,
        'known-hosts': `[${sshd.address}]:${port} ${sshd.hostKeys.ed25519}`,
        'connect-timeout': '2',
      });
      await expect(SshSession.open(settings, settings.targets[0])).rejects.toThrow(/handshake|timed out/i);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('reuses one connection for every command', async () => {
    const before = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const session = await open(keys.ed25519);
    for (let i = 0; i < 20; i++) await session.run(commandLine({ argv: ['echo', String(i)] }), 'echo');
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length - before).toBe(1);
  });
});

describe('running commands', () => {
  it('reports exit codes, 127 and signals apart', async () => {
    const session = await open(keys.ed25519);
    expect((await session.exec(toSshCommand('exit 3'))).outcome).toEqual({ kind: 'exited', code: 3 });
    expect((await session.exec(commandLine({ argv: ['no-such-command-here'] }))).outcome).toEqual({
      kind: 'exited',
      code: 127,
    });
    const killed = await session.exec(toSshCommand('kill -KILL $$'));
    expect(killed.outcome).toEqual({ kind: 'signal', signal: 'SIGKILL' });
    expect(describeOutcome(killed.outcome)).toBe('was killed by SIGKILL');
  });

  it('keeps the last stderr lines for error messages', async () => {
    const session = await open(keys.ed25519);
    await expect(session.run(toSshCommand('echo one >&2; echo two >&2; exit 4'), 'the step')).rejects.toThrow(
      /the step on .* exited with code 4\n {2}stderr: one\n {2}stderr: two/,
    );
  });

  it('enforces command-timeout: TERM, then close, reported as a timeout; the remote process is gone', async () => {
    const session = await open(keys.ed25519, {}, { killGraceSeconds: 1 });
    const started = Date.now();
    const result = await session.exec(commandLine({ argv: ['sleep', '41.5'] }), { timeoutSeconds: 1 });
    expect(result.outcome).toEqual({ kind: 'timeout', seconds: 1 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await eventually(() => remoteProcesses('sleep 41.5') === '')).toBe(true);
  });

  it('stops remote work when the run is cancelled', async () => {
    const controller = new AbortController();
    const session = await open(keys.ed25519, {}, { signal: controller.signal, killGraceSeconds: 1 });
    const running = session.exec(commandLine({ argv: ['sleep', '42.5'] }));
    expect(await eventually(() => remoteProcesses('sleep 42.5') !== '')).toBe(true);
    controller.abort('SIGTERM');
    expect((await running).outcome).toEqual({ kind: 'cancelled' });
    expect(await eventually(() => remoteProcesses('sleep 42.5') === '')).toBe(true);
  });

  it('reports "outcome unknown" when the connection is lost mid-command', async () => {
    const session = await open(keys.ed25519);
    const running = session.exec(commandLine({ argv: ['sleep', '43.5'] }));
    expect(await eventually(() => remoteProcesses('sleep 43.5') !== '')).toBe(true);
    // Kill this server's per-connection sshd processes: the link drops without an exit status.
    sshd.killConnections();
    const result = await running;
    expect(result.outcome.kind).toBe('unknown');
    expect(describeOutcome(result.outcome)).toMatch(/outcome unknown: .*may still be running/);
    execSync(`pkill -u ${TEST_USER} -f 'sleep 43.5' || true`);
  });

  it('streams 50 MB of mixed stdout and stderr: every byte arrives, memory stays bounded', async () => {
    const sink = new CollectingSink();
    let lines = 0;
    const counting: LogSink = { write: (text) => void (lines += text.split('\n').length - 1) };
    const session = await open(keys.ed25519, {}, { sink: counting });
    const half = 25 * 1024 * 1024;
    const script = `(head -c ${half} /dev/zero | tr '\\0' o | fold -w 99) & (head -c ${half} /dev/zero | tr '\\0' e | fold -w 99 >&2) & wait`;
    // What the same pipeline gives locally: the byte count and the number of lines (a last partial one too).
    const local = execSync(`head -c ${half} /dev/zero | tr '\\0' o | fold -w 99`, {
      maxBuffer: 64 * 1024 * 1024,
    });
    const expected = local.length;
    const expectedLines = local
      .toString('latin1')
      .split('\n')
      .filter((line) => line !== '').length;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const result = await session.exec(toSshCommand(script), { maxBytes: 1024 * 1024 });
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(result.outcome).toEqual({ kind: 'exited', code: 0 });
    expect(result.stdoutBytes).toBe(expected);
    expect(result.stderrBytes).toBe(expected);
    expect(result.stdout.length).toBe(1024 * 1024);
    expect(result.stdoutTruncated).toBe(true);
    expect(lines).toBe(2 * expectedLines + 2); // plus the stop-commands fence, opened and closed
    expect(rssGrowth).toBeLessThan(200 * 1024 * 1024);
    expect(sink.lines).toEqual([]);
  });

  it('holds a command back while the log sink is behind (the server waits), then logs every line', async () => {
    let written = 0;
    let lines = 0;
    let behind = true;
    let catchUp: () => void = () => undefined;
    const caughtUp = new Promise<void>((resolve) => (catchUp = resolve));
    const sink: LogSink = {
      write: (text) => {
        written += text.length;
        lines += text.split('\n').length - 1;
      },
      backlog: () => (behind ? caughtUp : undefined),
    };
    const session = await open(keys.ed25519, {}, { sink });
    const bytes = 20 * 1024 * 1024 + 7; // an odd size, to find this command with pgrep
    const line = 'Step 3/7 : RUN a build log line';
    const running = session.exec(toSshCommand(`yes '${line}' | head -c ${bytes}`));
    // Unthrottled, 20 MB take well under a second on loopback.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(written).toBeLessThan(1024 * 1024);
    expect(remoteProcesses(`head -c ${bytes}`)).not.toBe('');
    behind = false;
    catchUp();
    const result = await running;
    expect(result.outcome).toEqual({ kind: 'exited', code: 0 });
    expect(result.stdoutBytes).toBe(bytes);
    const fence = 2;
    expect(lines).toBe(Math.ceil(bytes / (line.length + 1)) + fence);
  });

  it('fences remote output so workflow commands in it are not obeyed', async () => {
    const sink = new CollectingSink();
    const session = await open(keys.ed25519, {}, { sink });
    await session.run(
      toSshCommand('echo "::error::fake"; echo "::add-mask::x" >&2; echo "::stop-commands::t"'),
      'echo',
    );
    expect(sink.lines).toHaveLength(5);
    const token = /^::stop-commands::([0-9a-f-]{36})$/.exec(sink.lines[0])?.[1];
    expect(token).toBeDefined();
    expect(sink.lines.slice(1, 4).sort()).toEqual(['::add-mask::x', '::error::fake', '::stop-commands::t']);
    expect(sink.lines[4]).toBe(`::${token}::`);
  });
});

describe('jump host', () => {
  let bastion: Sshd;
  beforeAll(async () => {
    bastion = await startSshd({ authorizedKeys: [keys.ed25519.publicKey] });
  });
  afterAll(async () => {
    await bastion?.stop();
  });

  it('reaches the target through the bastion, both verified against the pins', async () => {
    const known = `${sshd.knownHostsLine('ed25519')}\n${bastion.knownHostsLine()}`;
    const bastionLogins = () => (bastion.log().match(/Accepted publickey/g) ?? []).length;
    const before = bastionLogins();
    const session = await open(keys.ed25519, {
      'jump-host': `${TEST_USER}@${bastion.address}:${bastion.port}`,
      'known-hosts': known,
    });
    expect((await session.run(commandLine({ argv: ['id', '-un'] }), 'id')).trim()).toBe(TEST_USER);
    expect(bastionLogins() - before).toBe(1);
  });

  it('refuses a bastion whose key matches no pin', async () => {
    const known = `${sshd.knownHostsLine('ed25519')}\n[${bastion.address}]:${bastion.port} ${sshd.hostKeys.ed25519}`;
    await expect(
      open(keys.ed25519, { 'jump-host': `${bastion.address}:${bastion.port}`, 'known-hosts': known }),
    ).rejects.toThrow(
      new RegExp(
        `host key of jump host ${bastion.address.replace(/\./g, '\\.')}:${bastion.port} .*matches no pinned key`,
      ),
    );
  });

  describe('pins per host (host-fingerprint scoped as host=SHA256:...)', () => {
    const fingerprint = (server: Sshd) =>
      fingerprintOf(Buffer.from(server.hostKeys.ed25519.split(' ')[1], 'base64'));
    const where = (server: Sshd) => `${server.address}:${server.port}`;
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const logins = (server: Sshd) => (server.log().match(/Accepted publickey/g) ?? []).length;
    const connections = (server: Sshd) => (server.log().match(/Connection from/g) ?? []).length;

    it('reaches the target when the bastion and the target are each pinned by their own fingerprint', async () => {
      const before = logins(bastion);
      const session = await open(keys.ed25519, {
        'jump-host': `${TEST_USER}@${where(bastion)}`,
        'known-hosts': '',
        'host-fingerprint': `${where(sshd)}=${fingerprint(sshd)}\n${where(bastion)}=${fingerprint(bastion)}`,
      });
      expect((await session.run(commandLine({ argv: ['id', '-un'] }), 'id')).trim()).toBe(TEST_USER);
      expect(logins(bastion) - before).toBe(1);
    });

    it('refuses the target when its pin is the bastion key (the bastion cannot answer as the target)', async () => {
      const bastionBefore = logins(bastion);
      const targetLog = sshd.log().length;
      await expect(
        open(keys.ed25519, {
          'jump-host': where(bastion),
          'known-hosts': '',
          'host-fingerprint': `${where(sshd)}=${fingerprint(bastion)},${where(bastion)}=${fingerprint(bastion)}`,
        }),
      ).rejects.toThrow(
        new RegExp(
          `^the host key of ${escaped(where(sshd))} \\(${escaped(fingerprint(sshd))}\\) matches no pinned key`,
        ),
      );
      // The bastion was passed (its own pin holds); the target refused before any login was tried.
      expect(logins(bastion) - bastionBefore).toBe(1);
      // Through the forwarded channel sshd logs either a disconnect or a closed connection, before login.
      const ended = /(Disconnected from|Connection closed by) .*\[preauth\]/;
      expect(await eventually(() => ended.test(sshd.log().slice(targetLog)), 3000)).toBe(true);
      expect(
        sshd
          .log()
          .slice(targetLog)
          .match(/Connection from/g),
      ).toHaveLength(1);
      expect(sshd.log().slice(targetLog)).not.toMatch(/publickey|Accepted|Failed/);
    });

    it('refuses the bastion when its pin is the target key, and never reaches the target', async () => {
      const targetBefore = connections(sshd);
      await expect(
        open(keys.ed25519, {
          'jump-host': where(bastion),
          'known-hosts': '',
          'host-fingerprint': `${where(sshd)}=${fingerprint(sshd)},${where(bastion)}=${fingerprint(sshd)}`,
        }),
      ).rejects.toThrow(
        new RegExp(
          `^the host key of jump host ${escaped(where(bastion))} \\(${escaped(fingerprint(bastion))}\\) matches no pinned key`,
        ),
      );
      expect(connections(sshd) - targetBefore).toBe(0);
    });

    it('refuses an unpinned jump host before connecting anywhere', () => {
      const bastionBefore = connections(bastion);
      const targetBefore = connections(sshd);
      let found: readonly string[] = [];
      try {
        connectionFor(sshd, keys.ed25519, {
          'jump-host': where(bastion),
          'known-hosts': '',
          'host-fingerprint': `${where(sshd)}=${fingerprint(sshd)}`,
        });
      } catch (error) {
        if (error instanceof ConfigurationError) found = error.problems;
      }
      expect(found).toEqual([
        expect.stringMatching(
          new RegExp(`^Input 'known-hosts': no pinned host key for jump host ${escaped(where(bastion))}: `),
        ),
      ]);
      expect([connections(bastion) - bastionBefore, connections(sshd) - targetBefore]).toEqual([0, 0]);
    });

    it('connects through an unpinned jump host only with insecure-ignore-host-key, warning about the jump host', async () => {
      const warnings: string[] = [];
      const session = await open(
        keys.ed25519,
        {
          'jump-host': where(bastion),
          'known-hosts': '',
          'host-fingerprint': `${where(sshd)}=${fingerprint(sshd)}`,
          'insecure-ignore-host-key': 'true',
        },
        { warn: (m) => warnings.push(m) },
      );
      expect((await session.run(commandLine({ argv: ['id', '-un'] }), 'id')).trim()).toBe(TEST_USER);
      // One warning, for the jump host; the target is pinned, so none for it.
      expect(warnings).toEqual([
        expect.stringMatching(
          new RegExp(
            `^insecure-ignore-host-key is true: the host key of jump host ${escaped(where(bastion))} is NOT verified`,
          ),
        ),
      ]);
    });

    it('the session itself refuses an unpinned jump host, whatever built the settings', async () => {
      const settings = connectionFor(sshd, keys.ed25519, {
        'jump-host': where(bastion),
        'known-hosts': '',
        'host-fingerprint': `${where(sshd)}=${fingerprint(sshd)}`,
        'insecure-ignore-host-key': 'true',
      });
      const before = connections(bastion);
      await expect(
        SshSession.open({ ...settings, insecureIgnoreHostKey: false }, settings.targets[0]),
      ).rejects.toThrow(
        new RegExp(`^no pinned host key for jump host ${escaped(where(bastion))} .*not connecting`),
      );
      expect(connections(bastion) - before).toBe(0);
    });

    it('still enforces the target pin through an unpinned jump host with insecure-ignore-host-key', async () => {
      await expect(
        open(keys.ed25519, {
          'jump-host': where(bastion),
          'known-hosts': '',
          'host-fingerprint': `${where(sshd)}=${fingerprint(bastion)}`,
          'insecure-ignore-host-key': 'true',
        }),
      ).rejects.toThrow(new RegExp(`^the host key of ${escaped(where(sshd))} .*matches no pinned key`));
    });
  });

  it('says clearly when the bastion does not forward', async () => {
    const closed = await startSshd({ authorizedKeys: [keys.ed25519.publicKey], allowTcpForwarding: false });
    try {
      const known = `${sshd.knownHostsLine('ed25519')}\n${closed.knownHostsLine()}`;
      await expect(
        open(keys.ed25519, { 'jump-host': `${closed.address}:${closed.port}`, 'known-hosts': known }),
      ).rejects.toThrow(ConnectError);
      await expect(
        open(keys.ed25519, { 'jump-host': `${closed.address}:${closed.port}`, 'known-hosts': known }),
      ).rejects.toThrow(/could not open a connection to .*AllowTcpForwarding/);
    } finally {
      await closed.stop();
    }
  });
});
