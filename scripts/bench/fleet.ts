/**
 * The fleet benchmark (issue 12, "Fleets" item 5): 100 real sshd processes, each on its own loopback
 * address (127.0.1.1 .. 127.0.1.100, one fixed port) with its own host key, pinned by one known-hosts
 * text of 100 lines. The bundled action-health and a dry-run action-deploy each run across all of
 * them with max-parallel 1, 10 and 50 (canary on, the default: the first host alone, then batches),
 * one node process per measured run, as the runner runs it. Per run: wall time (spawn to exit), peak
 * RSS of the node process (/usr/bin/time's maximum resident set size), peak open sockets of the node
 * process (its /proc/<pid>/fd links that are `socket:`, fds 0-2 left out, polled every 20 ms), the
 * process's CPU time, and how busy the machine's CPUs were meanwhile.
 *
 * Every "server" is this machine: the 100 sshd share its filesystem, Docker engine and two CPUs, so
 * one fixture stack (with its PostgreSQL, as the e2e tests' sandbox has) serves as every host's
 * server. The health check and a dry-run deploy only read, except that the dry run's live state runs
 * `git fetch` in the one checkout; a run whose output shows a failure is refused, never measured.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  mkdtempSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseOutputFile, ROOT } from '../../test/harness/runner';
import { startSandbox, type Sandbox } from '../../test/harness/sandbox';
import { makeUserKey, scratchDir, SSHD, TEST_USER, waitForPort, type UserKey } from '../../test/harness/sshd';
import { STACK_SERVICES, waitStackHealthy } from '../../test/harness/stack';

export type FleetAction = 'action-health' | 'action-deploy (dry run)';
export const FLEET_ACTIONS: readonly FleetAction[] = ['action-health', 'action-deploy (dry run)'];

export interface FleetRun {
  readonly action: FleetAction;
  readonly maxParallel: number;
  readonly hosts: number;
  /** Spawn to exit of the node process. */
  readonly seconds: number;
  /** /usr/bin/time's maximum resident set size of the node process. */
  readonly peakRssMiB: number;
  /** VmHWM as last polled (a cross-check of the above). */
  readonly polledHwmMiB: number;
  /** The most `socket:` fds (other than 0-2) the node process held at one poll. */
  readonly peakSockets: number;
  /** How many polls of /proc/<pid>/fd were taken (about one per 20 ms). */
  readonly polls: number;
  /** utime + stime of the node process, as last polled. */
  readonly cpuSeconds: number;
  /** The machine's CPUs busy during the run, in CPUs (0 .. number of CPUs). */
  readonly machineBusyCpus: number;
  /** Hosts the action reported as passed (health: every row pass/warn; deploy: result success). */
  readonly hostsPassed: number;
  readonly exitCode: number | null;
  /** Node's own warnings on stderr (MaxListenersExceededWarning...), each once. */
  readonly warnings: readonly string[];
}

export interface FleetSpeedup {
  readonly action: FleetAction;
  readonly maxParallel: number;
  /** seconds at max-parallel 1 / seconds at max-parallel p. */
  readonly speedup: number;
  /** Rounds at 1 (one per host) / rounds at p (the canary, then ceil((hosts - 1) / p) batches). */
  readonly ideal: number;
  /** speedup / ideal. */
  readonly efficiency: number;
  /** health only: the same speed-up of the OpenSSH anchor (same hosts, batches and server commands). */
  readonly anchorSpeedup?: number;
}

/** The anchor of the health runs: OpenSSH `ssh` per host, in the same batches, the same server commands. */
export interface FleetAnchorRun {
  readonly maxParallel: number;
  readonly seconds: number;
  readonly machineBusyCpus: number;
}

export interface FleetBenchResult {
  readonly date: string;
  readonly hosts: number;
  readonly parallels: readonly number[];
  readonly runs: readonly FleetRun[];
  readonly anchor: readonly FleetAnchorRun[];
  readonly speedups: readonly FleetSpeedup[];
  readonly goalPeakRssMiB: number;
  readonly peakRssMiB: number;
  readonly rssMet: boolean;
  /** The least speed-up / ideal that counts as "close to linear". */
  readonly goalEfficiency: number;
  readonly linearMet: boolean;
  /** `uptime` before and after the measured runs. */
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** The inputs every run was given beyond the connection and max-parallel. */
  readonly inputs: Readonly<Record<FleetAction, Record<string, string>>>;
  readonly description: string;
}

export interface FleetBenchOptions {
  readonly hosts?: number;
  readonly parallels?: readonly number[];
  readonly port?: number;
  readonly log?: (line: string) => void;
}

const GOAL_PEAK_RSS_MIB = 200;
const GOAL_EFFICIENCY = 0.8;
const POLL_MS = 20;
const MiB = 2 ** 20;

/** One sshd per loopback address, all on one port, each with its own host key. */
interface Fleet {
  readonly addresses: readonly string[];
  readonly port: number;
  readonly knownHosts: string;
  readonly key: UserKey;
  stop(): Promise<void>;
}

async function startFleet(hosts: number, port: number, log: (line: string) => void): Promise<Fleet> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run scripts/setup-machine.sh`);
  const dir = scratchDir('tt-bench-fleet-');
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const key = makeUserKey(dir, 'id_ed25519', 'ed25519');
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, `${key.publicKey}\n`, { mode: 0o644 });
    const addresses = Array.from({ length: hosts }, (_, i) => `127.0.1.${i + 1}`);
    const lines: string[] = [];
    const started = Date.now();
    for (const [i, address] of addresses.entries()) {
      const own = join(dir, `host${i + 1}`);
      mkdirSync(own);
      const hostKey = join(own, 'ssh_host_ed25519_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey, '-C', address]);
      const publicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
      lines.push(`[${address}]:${port} ${publicKey}`);
      const config = join(own, 'sshd_config');
      writeFileSync(
        config,
        [
          `ListenAddress ${address}:${port}`,
          `PidFile ${join(own, 'sshd.pid')}`,
          `HostKey ${hostKey}`,
          `AuthorizedKeysFile ${authorized}`,
          'UsePAM no',
          // The scratch folder lives under /tmp, which StrictModes would refuse as world-writable.
          'StrictModes no',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          `AllowUsers ${TEST_USER}`,
          'PermitRootLogin no',
          'MaxStartups 100',
          'MaxSessions 100',
          'LogLevel ERROR',
          '',
        ].join('\n'),
      );
      const child = spawn(SSHD, ['-D', '-e', '-f', config, '-E', join(own, 'sshd.log')], { stdio: 'ignore' });
      children.push(child);
    }
    await Promise.all(
      addresses.map(async (address, i) => {
        const child = children[i];
        const exited = new Promise<never>((_, reject) =>
          child.once('exit', () => {
            let text = '';
            try {
              text = readFileSync(join(dir, `host${i + 1}`, 'sshd.log'), 'utf8');
            } catch {
              // No log.
            }
            reject(new Error(`sshd on ${address}:${port} exited: ${text.trim()}`));
          }),
        );
        exited.catch(() => undefined);
        await Promise.race([waitForPort(address, port, 15_000), exited]);
      }),
    );
    log(`  ${hosts} sshd listening on 127.0.1.1-${hosts}:${port} (${Date.now() - started} ms with the keys)`);
    return { addresses, port, knownHosts: `${lines.join('\n')}\n`, key, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Measured {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly polledHwmMiB: number;
  readonly peakSockets: number;
  readonly polls: number;
  readonly cpuSeconds: number;
  readonly machineBusyCpus: number;
}

/** The machine's busy and total jiffies (/proc/stat's first line). */
function cpuJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait.
  return { busy: total - fields[3] - (fields[4] ?? 0), total };
}

const CPUS = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 1;

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The first child of `pid` (the node process /usr/bin/time started), or undefined while there is none. */
function childOf(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? undefined : Number(text.split(/\s+/)[0]);
  } catch {
    return undefined;
  }
}

/**
 * Runs a bundled action as the runner does (INPUT_* with hyphens kept, GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY), under /usr/bin/time for its peak RSS, polling its fds every 20 ms.
 */
function runMeasured(script: string, inputs: Record<string, string>, timeoutMs: number): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'tt-fleet-run-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  const timeFile = join(dir, 'time');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('INPUT_') && !name.startsWith('GITHUB_')) env[name] = value;
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  Object.assign(env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
  });
  const cpuBefore = cpuJiffies();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, script], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let node: number | undefined;
    let peakSockets = 0;
    let polls = 0;
    let hwmKiB = 0;
    let cpuTicks = 0;
    const poll = () => {
      node ??= child.pid === undefined ? undefined : childOf(child.pid);
      if (node === undefined) return;
      try {
        let sockets = 0;
        for (const fd of readdirSync(`/proc/${node}/fd`)) {
          if (Number(fd) <= 2) continue;
          try {
            if (readlinkSync(`/proc/${node}/fd/${fd}`).startsWith('socket:')) sockets++;
          } catch {
            // Closed between the listing and the link.
          }
        }
        const status = readFileSync(`/proc/${node}/status`, 'utf8');
        hwmKiB = Math.max(hwmKiB, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
        // utime and stime: fields 14 and 15, counted after the ")" that ends the command name.
        const stat = readFileSync(`/proc/${node}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Number(fields[11]) + Number(fields[12]);
        polls++;
        peakSockets = Math.max(peakSockets, sockets);
      } catch {
        // The process has exited.
      }
    };
    const poller = setInterval(poll, POLL_MS);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearInterval(poller);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(error);
    });
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      clearInterval(poller);
      clearTimeout(timer);
      const cpuAfter = cpuJiffies();
      const timeText = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
      // /usr/bin/time prints "Command exited with non-zero status N" before the figure when it failed.
      const maxRssKiB = Number(/(\d+)\s*$/.exec(timeText.trim())?.[1] ?? Number.NaN);
      const result: Measured = {
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        seconds,
        peakRssMiB: (maxRssKiB * 1024) / MiB,
        polledHwmMiB: (hwmKiB * 1024) / MiB,
        peakSockets,
        polls,
        cpuSeconds: cpuTicks / CLOCK_TICKS,
        machineBusyCpus:
          ((cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total)) * CPUS,
      };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    });
  });
}

/** Why a run is not a measurement, or undefined when every host passed as expected. */
function refusal(action: FleetAction, run: Measured, labels: readonly string[]): string | undefined {
  if (run.code !== 0) return `exit ${run.code}`;
  const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error'));
  if (errors.length > 0) return `${errors.length} ::error lines, first: ${errors[0]}`;
  const connected = (run.stdout.match(/^(?:\S+ \| )?connected to /gm) ?? []).length;
  if (connected !== labels.length) return `${connected} hosts connected of ${labels.length}`;
  if (action === 'action-health') {
    if (run.outputs.healthy !== 'true') return `healthy output is ${run.outputs.healthy}`;
    const checks = (JSON.parse(run.outputs.report) as { checks: { host: string; verdict: string }[] }).checks;
    const missing = labels.filter((label) => !checks.some((check) => check.host === label));
    if (missing.length > 0) return `no check rows for ${missing.length} hosts (${missing[0]}...)`;
    return undefined;
  }
  const report = JSON.parse(run.outputs.report ?? '{}') as {
    hosts?: { host: string; result: string; outcome?: { dryRun?: boolean; plan?: string[] } }[];
  };
  const hosts = report.hosts ?? [];
  if (hosts.length !== labels.length) return `report has ${hosts.length} hosts of ${labels.length}`;
  const bad = hosts.filter((host) => host.result !== 'success' || host.outcome?.dryRun !== true);
  if (bad.length > 0)
    return `${bad.length} hosts not a successful dry run (${bad[0].host}: ${bad[0].result})`;
  const planless = hosts.filter((host) => (host.outcome?.plan ?? []).length === 0);
  if (planless.length > 0) return `${planless.length} hosts with an empty plan (v1 -> v2 should have steps)`;
  return undefined;
}

function hostsPassed(action: FleetAction, run: Measured): number {
  try {
    if (action === 'action-health') {
      const checks = (JSON.parse(run.outputs.report) as { checks: { host: string; verdict: string }[] })
        .checks;
      const hosts = new Set(checks.map((check) => check.host));
      return [...hosts].filter((host) =>
        checks.every((check) => check.host !== host || check.verdict !== 'fail'),
      ).length;
    }
    const report = JSON.parse(run.outputs.report) as { hosts?: { result: string }[] };
    return (report.hosts ?? []).filter((host) => host.result === 'success').length;
  } catch {
    return 0;
  }
}

/** Waits (up to 3 min) while someone's `npm run bundle` runs: it deletes a dist before writing it. */
async function quietBundles(log: (line: string) => void): Promise<void> {
  const bundling = () =>
    execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })
      .split('\n')
      .some((line) => /scripts\/bundle\.mjs|ncc\/cli\.js build .*action-(health|deploy)/.test(line));
  for (let waited = 0; bundling(); waited += 5) {
    if (waited === 0) log('  waiting for a running bundle of the actions to finish');
    if (waited >= 180) throw new Error('an `npm run bundle` kept running for 3 min: try again later');
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

/**
 * A copy of the bundle as it is on disk now, so that every run measures the same build even if
 * someone bundles again meanwhile; and what it is (index.js's sha256, whether the dist is HEAD's).
 */
function snapshotBundle(action: string, into: string): { script: string; what: string } {
  const dist = join(ROOT, action, 'dist');
  const copy = join(into, action, 'dist');
  cpSync(dist, copy, { recursive: true });
  const sha = createHash('sha256')
    .update(readFileSync(join(copy, 'index.js')))
    .digest('hex')
    .slice(0, 12);
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const changed = execFileSync('git', ['status', '--porcelain', '--', `${action}/dist`], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  return {
    script: join(copy, 'index.js'),
    what: `${action}/dist (index.js sha256 ${sha}) ${changed === '' ? `as committed at ${head}` : `with uncommitted changes on top of ${head} (bundled from the working tree)`}`,
  };
}

/**
 * The health check's server work done by OpenSSH: per host a new `ssh` connection running the probe
 * and df (as the action's health check with check-services and check-dependencies off does), hosts in
 * the action's batches (the first alone, then `maxParallel` at a time). What this machine allows.
 */
async function anchorHealth(
  fleet: Fleet,
  probeUrl: string,
  maxParallel: number,
  dir: string,
): Promise<FleetAnchorRun> {
  const knownHosts = join(dir, 'anchor_known_hosts');
  writeFileSync(knownHosts, fleet.knownHosts);
  const remote = `curl -sS -m 10 -w '\\n%{http_code}' ${probeUrl}; echo; df -P /`;
  const one = (address: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        'ssh',
        [
          '-F',
          'none',
          '-i',
          fleet.key.path,
          '-p',
          String(fleet.port),
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
          `${TEST_USER}@${address}`,
          remote,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) =>
        code === 0 && /"healthy"/.test(output) && /\n200\n/.test(output) && /Filesystem/.test(output)
          ? resolve()
          : reject(
              new Error(`the OpenSSH anchor on ${address} failed (exit ${code}): ${output.slice(-500)}`),
            ),
      );
    });
  const [first, ...rest] = fleet.addresses;
  const batches = [[first]];
  for (let at = 0; at < rest.length; at += maxParallel) batches.push(rest.slice(at, at + maxParallel));
  const cpuBefore = cpuJiffies();
  const started = process.hrtime.bigint();
  for (const batch of batches) await Promise.all(batch.map(one));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = cpuJiffies();
  return {
    maxParallel,
    seconds,
    machineBusyCpus:
      ((cpuAfter.busy - cpuBefore.busy) / Math.max(1, cpuAfter.total - cpuBefore.total)) * CPUS,
  };
}

/** Who listens on 127.0.0.1:`port` (ss) and its docker-proxy, for a refused run's report. */
function portState(port: number): string {
  const run = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (error) {
      return `(${command} failed: ${(error as Error).message.split('\n')[0]})`;
    }
  };
  const listening = run('ss', ['-Hltnp', `sport = :${port}`]);
  const proxies = run('ps', ['-eo', 'pid,etime,args'])
    .split('\n')
    .filter((line) => line.includes('docker-proxy') && line.includes(`-host-port ${port}`));
  return `listening: ${listening || 'nothing'}; docker-proxy: ${proxies.join(' | ') || 'none'}`;
}

function uptime(): string {
  return execFileSync('uptime', { encoding: 'utf8' }).trim();
}

const mib = (value: number) => `${value.toFixed(0)} MiB`;

/** Sets the fleet up, measures every action at every max-parallel, and takes everything down again. */
export async function benchFleet(options: FleetBenchOptions = {}): Promise<FleetBenchResult> {
  const hosts = options.hosts ?? 100;
  const parallels = options.parallels ?? [1, 10, 50];
  const port = options.port ?? 22_022;
  const log = options.log ?? console.log;
  let sandbox: Sandbox | undefined;
  let fleet: Fleet | undefined;
  let probed: Server | undefined;
  const snapshots = scratchDir('tt-bench-fleet-dist-');
  // An interrupted benchmark still stops its 100 sshd (their listeners are children of this process).
  const cleanUp = async () => {
    const [stopFleet, stopSandbox] = [fleet, sandbox];
    fleet = undefined;
    sandbox = undefined;
    await stopFleet?.stop();
    await stopSandbox?.stop();
    await new Promise((resolve) => (probed === undefined ? resolve(undefined) : probed.close(resolve)));
    probed = undefined;
    // What the sandbox leaves behind: the app repository (origin and checkout) and the user key.
    if (stopSandbox !== undefined) {
      rmSync(stopSandbox.stack.repo.dir, { recursive: true, force: true });
      rmSync(dirname(stopSandbox.key.path), { recursive: true, force: true });
    }
    rmSync(snapshots, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log('  starting the fixture stack (one server checkout, its PostgreSQL, at v1)');
    sandbox = await startSandbox('benchfleet');
    fleet = await startFleet(hosts, port, log);
    const labels = fleet.addresses.map((address) => `${address}:${port}`);
    const base = sandbox.inputs();
    // health's server-url: a fixed JSON answer on loopback. Through the fixture's nginx (proxy_connect_timeout
    // 1 s, Docker's DNS for the upstream) 22 of 50 probes at once got HTTP 504 on this loaded machine
    // (a first attempt, refused): the one stack is not what is measured.
    const server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"healthy","version":"bench"}\n');
    });
    probed = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const probeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const connection = {
      host: fleet.addresses.join(','),
      port: String(port),
      username: TEST_USER,
      'private-key': fleet.key.privateKey,
      'known-hosts': fleet.knownHosts,
      'connect-retries': '0',
      'connect-timeout': '30',
      'app-dir': sandbox.stack.appDir,
    };
    const inputs: Record<FleetAction, Record<string, string>> = {
      'action-health': {
        'server-url': probeUrl,
        retries: '0',
        interval: '1',
        // The fixture's dependency containers are not what is measured here (they have e2e tests of
        // their own), and the services check runs docker-compose (Python, about a CPU-second) on the
        // server: 50 of them at once on this 2-CPU machine left the one stack's own 2 s healthchecks
        // timing out (a first attempt, refused). Off, each host's check is the server-url probe (curl
        // on the server) and disk (df).
        'check-dependencies': 'false',
        'check-services': 'false',
      },
      'action-deploy (dry run)': {
        'dry-run': 'true',
        ref: 'v2',
        services: STACK_SERVICES.join(','),
        'health-url': base['health-url'],
        'alembic-command': base['alembic-command'],
        'backup-command': base['backup-command'],
        'migrate-service': '',
      },
    };
    await quietBundles(log);
    const bundles = {
      'action-health': snapshotBundle('action-health', snapshots),
      'action-deploy (dry run)': snapshotBundle('action-deploy', snapshots),
    };
    for (const action of FLEET_ACTIONS) log(`  ${bundles[action].what}`);
    const runOnce = async (action: FleetAction, maxParallel: number): Promise<Measured> => {
      const run = await runMeasured(
        bundles[action].script,
        { ...connection, ...inputs[action], 'max-parallel': String(maxParallel) },
        15 * 60_000,
      );
      const why = refusal(action, run, labels);
      if (why !== undefined) {
        const tail = run.stdout.split('\n').slice(-40).join('\n');
        log(`  refused: ${action} at max-parallel ${maxParallel}: ${why}`);
        log(`  the stack's port now: ${portState(stack.gatewayPort)}`);
        throw new Error(
          `${action} at max-parallel ${maxParallel} failed, not a measurement: ${why}\n--- last lines ---\n${tail}\n${run.stderr}`,
        );
      }
      return run;
    };

    const stack = sandbox.stack;
    log(`  the stack's port: ${portState(stack.gatewayPort)}`);
    // Each run starts from a healthy stack: the one before may have loaded the machine enough for its
    // healthchecks to time out for a moment. (Its published port is not used: see server-url.)
    const settle = async () => {
      await waitStackHealthy(stack, STACK_SERVICES, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    };
    const loadBefore = uptime();
    log(`  ${loadBefore}`);
    const runs: FleetRun[] = [];
    const anchor: FleetAnchorRun[] = [];
    for (const action of FLEET_ACTIONS) {
      // Untimed: every sshd's first login, the page cache, Docker's and git's first answers.
      await settle();
      const warm = await runOnce(action, Math.max(...parallels));
      log(`  warm-up: ${action} at max-parallel ${Math.max(...parallels)}: ${warm.seconds.toFixed(2)} s`);
      for (const maxParallel of parallels) {
        await settle();
        const run = await runOnce(action, maxParallel);
        runs.push({
          action,
          maxParallel,
          hosts,
          seconds: run.seconds,
          peakRssMiB: run.peakRssMiB,
          polledHwmMiB: run.polledHwmMiB,
          peakSockets: run.peakSockets,
          polls: run.polls,
          cpuSeconds: run.cpuSeconds,
          machineBusyCpus: run.machineBusyCpus,
          hostsPassed: hostsPassed(action, run),
          exitCode: run.code,
          warnings: [
            ...new Set(
              run.stderr
                .split('\n')
                .filter((line) => /^\(node:\d+\) /.test(line))
                .map((line) => line.replace(/^\(node:\d+\) /, '')),
            ),
          ],
        });
        log(
          `  ${action}, max-parallel ${maxParallel}: ${run.seconds.toFixed(2)} s, peak RSS ${mib(run.peakRssMiB)}, ` +
            `peak sockets ${run.peakSockets}, node CPU ${run.cpuSeconds.toFixed(1)} s, machine ${run.machineBusyCpus.toFixed(2)} CPUs busy`,
        );
        if (action === 'action-health') {
          // Right after, in the same conditions: what OpenSSH makes of the same server work.
          const done = await anchorHealth(fleet, probeUrl, maxParallel, snapshots);
          anchor.push(done);
          log(`  OpenSSH anchor, max-parallel ${maxParallel}: ${done.seconds.toFixed(2)} s`);
        }
      }
    }
    const loadAfter = uptime();
    log(`  ${loadAfter}`);

    const rounds = (p: number) => (hosts > 1 ? 1 + Math.ceil((hosts - 1) / p) : 1);
    const speedups: FleetSpeedup[] = [];
    for (const action of FLEET_ACTIONS) {
      const one = runs.find((run) => run.action === action && run.maxParallel === 1);
      if (one === undefined) continue;
      for (const run of runs.filter((each) => each.action === action && each.maxParallel !== 1)) {
        const speedup = one.seconds / run.seconds;
        const ideal = rounds(1) / rounds(run.maxParallel);
        const anchorOne = anchor.find((each) => each.maxParallel === 1);
        const anchorThis = anchor.find((each) => each.maxParallel === run.maxParallel);
        speedups.push({
          action,
          maxParallel: run.maxParallel,
          speedup,
          ideal,
          efficiency: speedup / ideal,
          ...(action === 'action-health' && anchorOne !== undefined && anchorThis !== undefined
            ? { anchorSpeedup: anchorOne.seconds / anchorThis.seconds }
            : {}),
        });
      }
    }
    const peakRssMiB = Math.max(...runs.map((run) => run.peakRssMiB));
    const rssMet = peakRssMiB < GOAL_PEAK_RSS_MIB;
    const linearMet = speedups.every((each) => each.efficiency >= GOAL_EFFICIENCY);
    const description = [
      `Bundles run: ${FLEET_ACTIONS.map((action) => bundles[action].what).join('; ')}.`,
      `${hosts} sshd (OpenSSH, one per address 127.0.1.1-${hosts}, port ${port}, own ed25519 host key each, one known-hosts of ${hosts} lines),`,
      'all in front of one fixture stack on this machine; canary on (the first host alone, then batches of max-parallel).',
      `action-health inputs: ${Object.entries(inputs['action-health'])
        .filter(([name]) => name !== 'server-url')
        .map(([name, value]) => `${name}: ${value}`)
        .join(
          ', ',
        )}, server-url: a fixed {"status":"healthy"} served on loopback by the benchmark (curl on each host).`,
      'OpenSSH anchor (health only, run right after each health run): per host a new `ssh` connection running curl of server-url and `df -P /`, in the same batches (the first host alone, then max-parallel at a time): the speed-up this machine itself allows for that server work.',
      `action-deploy inputs: dry-run: true, ref: v2 (the checkout is at v1), services: ${STACK_SERVICES.join(',')}, migrate: auto (alembic current against the one PostgreSQL).`,
      'Peak RSS: /usr/bin/time (maximum resident set size of the node process); sockets: socket: links among the process fds',
      `(0-2 left out), polled every ${POLL_MS} ms; machine CPUs busy: /proc/stat over the run (${
        CPUS
      } CPUs, shared by the node process, the sshd, docker and git of all ${hosts} "servers", and anything else running).`,
    ].join('\n');
    return {
      date: new Date().toISOString(),
      hosts,
      parallels,
      runs,
      anchor,
      speedups,
      goalPeakRssMiB: GOAL_PEAK_RSS_MIB,
      peakRssMiB,
      rssMet,
      goalEfficiency: GOAL_EFFICIENCY,
      linearMet,
      loadBefore,
      loadAfter,
      inputs,
      description,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanUp();
  }
}
