/**
 * The deploy lock against a real OpenSSH sshd: waiting and naming the holder, a holder that
 * freezes (its lock lapses, its connection is cut off on the server, and it changes nothing when it
 * wakes up), a cancelled holder (the lock outlives the `cancelled` ledger record), a lost connection.
 * Holders that must be frozen or signalled run in a child process built with ncc from
 * test/harness/lock-holder.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toSshCommand } from '../../packages/shared/src/shell';
import { CancelledError } from '../../packages/shared/src/errors';
import {
  LockTimeoutError,
  takeDeployLock,
  type DeployLock,
  type LockHolder,
  type LockTiming,
} from '../../packages/shared/src/lock/lock';
import { SshSession } from '../../packages/shared/src/ssh/session';
import type { HolderConfig } from '../harness/lock-holder';
import { makeUserKey, scratchDir, startSshd, TEST_USER, type Sshd } from '../harness/sshd';
import { connectionFor, connectionInputs } from '../harness/settings';

jest.setTimeout(60_000);

const FAST: LockTiming = { heartbeatSeconds: 1, lapseSeconds: 6, killGraceSeconds: 2 };
const dir = scratchDir('tt-lock-');
const key = makeUserKey(dir, 'id_ed25519', 'ed25519');
const mute = { write: () => undefined };
let sshd: Sshd;
let holderBundle: string;

beforeAll(async () => {
  sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  holderBundle = join(dir, 'holder');
  execFileSync(
    process.execPath,
    [
      join(__dirname, '../../node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      join(__dirname, '../harness/lock-holder.ts'),
      '-o',
      holderBundle,
      '-q',
      '--target',
      'es2022',
      // Type checking is npm run typecheck's job; here it would fail on any file of the project.
      '--transpile-only',
    ],
    { stdio: 'inherit', cwd: join(__dirname, '../..') },
  );
}, 180_000);

const opened: SshSession[] = [];
const children: ChildProcess[] = [];
const held: DeployLock[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }
  for (const lock of held.splice(0)) await lock.release();
  for (const session of opened.splice(0)) session.close();
});
afterAll(async () => {
  await sshd?.stop();
});

async function open(): Promise<SshSession> {
  const settings = connectionFor(sshd, key);
  const session = await SshSession.open(settings, settings.targets[0], { sink: mute });
  opened.push(session);
  return session;
}

/** A state dir the test user owns, as on a server. */
function stateDir(name: string): string {
  const path = join(dir, name, '.deploy');
  mkdirSync(path, { recursive: true });
  execFileSync('chown', ['-R', TEST_USER, join(dir, name)]);
  return path;
}

function holder(runId: string): LockHolder {
  return {
    run_id: runId,
    run_url: '',
    actor: 'tester',
    environment: 'production',
    action: 'deploy',
    since: new Date().toISOString(),
  };
}

/** Whether nobody holds the lock, seen from the server itself (this test runs on it). */
function lockIsFree(state: string): boolean {
  if (!existsSync(join(state, 'lock'))) throw new Error('no lock file yet');
  try {
    execFileSync('flock', ['-n', join(state, 'lock'), 'true']);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the test user's processes whose whole command line is `args`. */
function processes(args: string): number[] {
  try {
    return execFileSync('pgrep', ['-u', TEST_USER, '-x', '-f', args], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
}

function parentOf(pid: number): number {
  return Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' }).trim());
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Whether `pid` runs (a zombie, dead but not yet reaped by its parent, does not). */
function isRunning(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).startsWith('Z');
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Event {
  readonly event: string;
  readonly [detail: string]: unknown;
}

/** A holder run in its own process (test/harness/lock-holder.ts), and what it reported so far. */
class HolderProcess {
  readonly events: Event[] = [];
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(config: HolderConfig, runId: string) {
    this.child = spawn(process.execPath, [join(holderBundle, 'index.js'), JSON.stringify(config)], {
      env: { ...process.env, GITHUB_RUN_ID: runId, GITHUB_ACTOR: 'frozen-tester', GITHUB_REPOSITORY: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(this.child);
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        this.output.push(line);
        if (line.startsWith('EVENT ')) this.events.push(JSON.parse(line.slice(6)) as Event);
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  event(name: string): Event | undefined {
    return this.events.find((event) => event.event === name);
  }

  async waitFor(name: string, ms = 30_000): Promise<Event> {
    if (!(await eventually(() => this.event(name) !== undefined, ms))) {
      throw new Error(`the holder did not report ${name}; its output:\n${this.output.join('\n')}`);
    }
    return this.event(name) as Event;
  }
}

describe('taking and releasing', () => {
  it('takes and releases; a second taker waits, naming the holder, and gets it on release', async () => {
    const [first, second] = [await open(), await open()];
    const state = stateDir('take');
    const lock = await takeDeployLock(first, state, 10, holder('run-first'), () => undefined, {
      timing: FAST,
    });
    expect(lock.waitedFor).toBeUndefined();
    expect(lockIsFree(state)).toBe(false);

    const busy: string[] = [];
    let taken = false;
    const waiting = takeDeployLock(second, state, 20, holder('run-second'), (text) => busy.push(text), {
      timing: FAST,
    }).then((lock) => {
      taken = true;
      return lock;
    });
    expect(await eventually(() => busy.length > 0)).toBe(true);
    expect(busy[0]).toContain('"run_id":"run-first"');
    await pause(2500); // several heartbeats and waiting rounds: still the first run's
    expect(taken).toBe(false);

    const released = Date.now();
    await lock.release();
    const next = await waiting;
    held.push(next);
    expect(Date.now() - released).toBeLessThan(2000);
    expect(next.waitedFor).toContain('"run_id":"run-first"');
    expect(next.previousLapse).toBeUndefined();
    expect(readFileSync(join(state, 'lock'), 'utf8')).toContain('"run_id":"run-second"');
    await next.release();
    expect(lockIsFree(state)).toBe(true);
    expect(lock.lost).toBeUndefined();
    expect(next.lost).toBeUndefined();
  });

  it('gives up after lock-timeout, naming the holder; nothing is left waiting on the server', async () => {
    const [first, second] = [await open(), await open()];
    const state = stateDir('timeout');
    held.push(await takeDeployLock(first, state, 10, holder('run-slow'), () => undefined, { timing: FAST }));
    const started = Date.now();
    await expect(
      takeDeployLock(second, state, 2, holder('run-impatient'), () => undefined, { timing: FAST }),
    ).rejects.toThrow(LockTimeoutError);
    expect(Date.now() - started).toBeLessThan(6000);
    await expect(
      takeDeployLock(second, state, 1, holder('run-impatient'), () => undefined, { timing: FAST }),
    ).rejects.toThrow(/still held after 1s by .*"run_id":"run-slow".*nothing was changed/);
    expect(await eventually(() => processes(`.*run-impatient.*`).length === 0)).toBe(true);
  });

  it('stops waiting at once when the run is cancelled while the lock is busy', async () => {
    const [first, second] = [await open(), await open()];
    const state = stateDir('cancel-wait');
    held.push(await takeDeployLock(first, state, 10, holder('run-busy'), () => undefined, { timing: FAST }));
    const controller = new AbortController();
    const busy: string[] = [];
    const waiting = takeDeployLock(second, state, 60, holder('run-waiter'), (text) => busy.push(text), {
      signal: controller.signal,
      timing: FAST,
    });
    expect(await eventually(() => busy.length > 0)).toBe(true);
    const cancelled = Date.now();
    controller.abort('SIGINT');
    await expect(waiting).rejects.toThrow(CancelledError);
    expect(Date.now() - cancelled).toBeLessThan(3000);
    expect(await eventually(() => processes(`.*run-waiter.*`).length === 0)).toBe(true);
    expect(lockIsFree(state)).toBe(false);
  });

  it('keeps a slow but alive run holding: heartbeats come from a timer, not from its commands', async () => {
    const session = await open();
    const state = stateDir('slow');
    const timing = { heartbeatSeconds: 1, lapseSeconds: 3, killGraceSeconds: 1 };
    const lock = await takeDeployLock(session, state, 10, holder('run-slow-build'), () => undefined, {
      timing,
    });
    held.push(lock);
    // A "build" three times as long as the lapse, with no output.
    const build = await session.exec(toSshCommand('sleep 10'), { echo: 'none' });
    expect(build.outcome).toEqual({ kind: 'exited', code: 0 });
    expect(lock.lost).toBeUndefined();
    expect(lockIsFree(state)).toBe(false);
    expect(existsSync(join(state, 'lock.log'))).toBe(false);
    await lock.release();
    expect(lockIsFree(state)).toBe(true);
  });

  it('says so when the connection is lost while holding; the server released the lock', async () => {
    const session = await open();
    const state = stateDir('lost');
    const lost: string[] = [];
    const lock = await takeDeployLock(session, state, 10, holder('run-lost'), () => undefined, {
      timing: FAST,
      onLost: (message) => lost.push(message),
    });
    expect(lockIsFree(state)).toBe(false);
    sshd.killConnections();
    expect(await eventually(() => lost.length > 0)).toBe(true);
    expect(lost[0]).toMatch(
      /connection to .* was lost while this run held the deploy lock .*the server released the lock when the connection ended/,
    );
    expect(lock.lost).toBe(lost[0]);
    expect(await eventually(() => lockIsFree(state))).toBe(true);
    await lock.release();
  });

  it('a connection that ends with commands still running: they are stopped before the lock is free', async () => {
    const session = await open();
    const state = stateDir('orphans');
    const lock = await takeDeployLock(session, state, 10, holder('run-orphans'), () => undefined, {
      timing: FAST,
    });
    held.push(lock);
    const marker = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    void session.exec(toSshCommand(`sleep 3${marker.slice(-4)}`));
    const running = () =>
      execFileSync('ps', ['-u', TEST_USER, '-o', 'args='], { encoding: 'utf8' }).includes(
        `sleep 3${marker.slice(-4)}`,
      );
    expect(await eventually(running)).toBe(true);
    // Only this server's per-connection sshd processes die (not their children, and no other test's
    // server): the commands live on, orphaned, as after a network loss.
    const table = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null);
    const ours = new Set([String(sshd.pid)]);
    for (let grown = true; grown;) {
      grown = false;
      for (const [, pid, ppid] of table)
        if (ours.has(ppid) && !ours.has(pid)) {
          ours.add(pid);
          grown = true;
        }
    }
    const sshdChildren = table
      .filter(
        ([, pid, , args]) =>
          ours.has(pid) && pid !== String(sshd.pid) && args.startsWith(`sshd: ${TEST_USER}`),
      )
      .map(([, pid]) => pid);
    for (const pid of sshdChildren) process.kill(Number(pid), 'SIGKILL');
    expect(await eventually(() => lockIsFree(state))).toBe(true);
    // By the time the lock is free, what the run left running is gone.
    expect(running()).toBe(false);
    expect(readFileSync(join(state, 'lock.log'), 'utf8')).toMatch(
      /run-orphans.*its connection ended with commands still running .*stopped them, then released the lock/,
    );
  });
});

/**
 * Freezes a holder that runs `sleep N` on the server, and measures how long until another run gets
 * the lock. Then checks the frozen run's connection was ended on the server, and that the run, once
 * continued, changes nothing.
 */
async function frozenHolderLapses(timing: Partial<LockTiming> | undefined, name: string): Promise<number> {
  const state = stateDir(name);
  const sleepSeconds = 6000 + Math.floor(Math.random() * 3000);
  const marker = join(dir, name, 'marker');
  const runId = `frozen-${name}`;
  const frozen = new HolderProcess(
    { mode: 'freeze', inputs: connectionInputs(sshd, key), stateDir: state, timing, sleepSeconds, marker },
    runId,
  );
  await frozen.waitFor('locked');
  expect(await eventually(() => processes(`sleep ${sleepSeconds}`).length === 1)).toBe(true);
  const [work] = processes(`sleep ${sleepSeconds}`);
  // The sleep's wrapper shell, then the sshd process serving the frozen run's connection.
  const connection = parentOf(parentOf(work));
  expect(commandOf(connection)).toBe(`sshd: ${TEST_USER}@notty`);

  const taker = await open();
  const frozenAt = Date.now();
  process.kill(frozen.child.pid as number, 'SIGSTOP');
  const lock = await takeDeployLock(taker, state, 90, holder(`taker-${name}`), () => undefined, { timing });
  const lapseMs = Date.now() - frozenAt;
  held.push(lock);
  console.log(`${name}: the frozen holder's lock lapsed; another run had it ${lapseMs} ms after SIGSTOP`);
  expect(lapseMs).toBeLessThan(90_000);

  // The connection was ended on the server before the lock was free: its work and its sshd are gone.
  expect(processes(`sleep ${sleepSeconds}`)).toEqual([]);
  expect(isRunning(connection)).toBe(false);
  expect(lock.previousLapse).toMatch(
    new RegExp(`previous holder .* run ${runId} .*stopped answering .*was cut off at \\S+Z`),
  );
  expect(readFileSync(join(state, 'lock.log'), 'utf8')).toMatch(
    new RegExp(
      `"run_id":"${runId}".*no heartbeat for \\d+s; cut off its connection \\(sshd ${connection}, sessions .*\\)`,
    ),
  );

  // Woken up, the frozen run learns it was cut off, and its next command changes nothing.
  process.kill(frozen.child.pid as number, 'SIGCONT');
  frozen.child.stdin?.write('go\n');
  const touched = await frozen.waitFor('touch');
  expect(touched.outcome).toMatchObject({ kind: 'unknown' });
  expect(existsSync(marker)).toBe(false);
  const lost = await frozen.waitFor('lost');
  expect(lost.message).toMatch(
    /this run did not run for \d+s .* cut this run's connection off.*the deploy lock was released/,
  );
  expect(await frozen.exited).toBe(0);
  expect(existsSync(marker)).toBe(false);
  expect(readFileSync(join(state, 'lock'), 'utf8')).toContain(`"run_id":"taker-${name}"`);
  return lapseMs;
}

describe('a holder that freezes', () => {
  it('loses the lock within the lapse (short timing), is cut off, and changes nothing when it wakes', async () => {
    const lapseMs = await frozenHolderLapses(FAST, 'frozen-fast');
    // Lapse (6) + one poll (1) + the kill (at most grace 2), and a second of slack.
    expect(lapseMs).toBeLessThan(10_000);
  });

  it('loses the lock within 90 s with the real timing (heartbeat 10 s, lapse 60 s)', async () => {
    await frozenHolderLapses(undefined, 'frozen-real');
  }, 150_000);
});

describe('a cancelled holder', () => {
  it('keeps the lock until it has recorded `cancelled`, then lets it go', async () => {
    const state = stateDir('cancelled');
    const sleepSeconds = 6000 + Math.floor(Math.random() * 3000);
    const runId = 'run-cancelled';
    const cancelled = new HolderProcess(
      {
        mode: 'cancel',
        inputs: connectionInputs(sshd, key),
        stateDir: state,
        timing: FAST,
        sleepSeconds,
        windDownMs: 1500,
      },
      runId,
    );
    await cancelled.waitFor('locked');
    expect(await eventually(() => processes(`sleep ${sleepSeconds}`).length === 1)).toBe(true);
    process.kill(cancelled.child.pid as number, 'SIGINT');

    // Watch the lock from the server: each look takes it for an instant when free and reads the ledger.
    let heldWhileWindingDown = false;
    let ledgerWhenFree: string | undefined;
    const deadline = Date.now() + 30_000;
    while (ledgerWhenFree === undefined && Date.now() < deadline) {
      try {
        ledgerWhenFree = execFileSync(
          'flock',
          ['-n', join(state, 'lock'), 'sh', '-c', 'cat "$1/releases.jsonl" 2>/dev/null || true', 'sh', state],
          { encoding: 'utf8' },
        );
      } catch {
        if (cancelled.event('cancelling') !== undefined) heldWhileWindingDown = true;
        await pause(50);
      }
    }
    expect(ledgerWhenFree).toBeDefined();
    expect(heldWhileWindingDown).toBe(true);
    const records = (ledgerWhenFree ?? '').trim().split('\n').filter(Boolean);
    expect(records.map((line) => JSON.parse(line) as { result: string; run_id: string })).toEqual([
      expect.objectContaining({ result: 'cancelled', run_id: runId }),
    ]);
    // The cancel stopped the work on the server; the run failed as cancelled.
    expect(processes(`sleep ${sleepSeconds}`)).toEqual([]);
    expect(await cancelled.exited).toBe(1);
    expect(cancelled.event('recorded')).toBeDefined();
    expect(cancelled.output.join('\n')).toMatch(/::error::cancelled by SIGINT/);
  });
});
