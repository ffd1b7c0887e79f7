/**
 * SSH benchmarks for `npm run bench` (issue 10): what the SSH layer costs per command and when a command
 * streams a big log, each against OpenSSH on the same real sshd (its own, on loopback). The functions
 * return plain figures and a short description; the caller prints them. They need what
 * scripts/setup-machine.sh installs (sshd, the test user) and OpenSSH's `ssh` client.
 *
 * Loopback figures are a floor: they leave the network out and show what each side itself adds.
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine, quoteArgv } from '../../packages/shared/src/shell';
import { SshSession } from '../../packages/shared/src/ssh/session';
import {
  makeUserKey,
  opensshArgs as harnessOpensshArgs,
  scratchDir,
  startSshd,
  type Sshd,
  type UserKey,
} from '../../test/harness/sshd';
import { connectionFor, connectionInputs } from '../../test/harness/settings';
import { ROOT } from '../../test/harness/runner';
import { median, quantile } from './stats';
import type { StreamChildJob, StreamChildMode, StreamChildReport } from './ssh-stream-child';

export interface Latency {
  readonly medianMs: number;
  readonly p95Ms: number;
  readonly n: number;
}

export interface CommandOverheadResult {
  /** session.run on the run's one SshSession connection. */
  readonly ours: Latency;
  /** The same with `true` in deploy's process-group wrapper (commandLine), as every deploy command runs. */
  readonly oursWrapped: Latency;
  /** `ssh host true` spawned per command through a warmed-up ControlMaster: the anchor. */
  readonly multiplexed: Latency;
  /** The same with the text session.run sends (`env TT_RUN=<token> 'true'`): the same server work as ours. */
  readonly multiplexedSameText: Latency;
  /** `ssh host true` spawned per command, each with its own connection (key exchange and login every time). */
  readonly perConnection: Latency;
  /** ours.medianMs / multiplexed.medianMs: what the goal is judged on. */
  readonly ratio: number;
  /** ours.medianMs / multiplexedSameText.medianMs. */
  readonly clientSideRatio: number;
  readonly goalRatio: number;
  readonly met: boolean;
  readonly description: string;
}

export interface StreamingResult {
  readonly bytes: number;
  /** Median over the runs of the whole child run (connect, command, output written), and its rate. */
  readonly ours: StreamFigures & RssFigures;
  /** The same child with ssh2 alone, the output dropped: what our layer stands on. */
  readonly ssh2Floor: StreamFigures & RssFigures;
  /** Median over the runs of the whole `ssh` process (connect, command, output to /dev/null). */
  readonly openssh: StreamFigures;
  /** ours.mibPerSecond / openssh.mibPerSecond. */
  readonly throughputRatio: number;
  readonly goalRatio: number;
  readonly goalPeakRssMiB: number;
  readonly throughputMet: boolean;
  readonly rssMet: boolean;
  /** Both goals. */
  readonly met: boolean;
  readonly runs: number;
  readonly description: string;
}

export interface StreamFigures {
  readonly seconds: number;
  readonly mibPerSecond: number;
}

export interface RssFigures {
  /** The highest maxRSS of the runs (what the goal is judged on). */
  readonly peakRssMiB: number;
  /** The median of the runs' maxRSS: GC timing moves a single run's peak by some 10 MiB. */
  readonly medianPeakRssMiB: number;
  /** Median RSS once connected, before the command ran. */
  readonly connectedRssMiB: number;
}

const quiet = { sink: { write: () => undefined } };

function latency(samples: readonly number[]): Latency {
  return { medianMs: median(samples), p95Ms: quantile(samples, 0.95), n: samples.length };
}

const ms = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;
const showLatency = (figures: Latency) =>
  `median ${figures.medianMs.toFixed(2)} ms, p95 ${figures.p95Ms.toFixed(2)} ms (n=${figures.n})`;

/** One sshd with a user key and a known_hosts file for it: what both clients log in with. */
interface Server {
  readonly sshd: Sshd;
  readonly key: UserKey;
  readonly dir: string;
  readonly knownHosts: string;
  stop(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const dir = scratchDir('tt-bench-ssh-');
  const key = makeUserKey(dir, 'id_ed25519', 'ed25519');
  const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
  return {
    sshd,
    key,
    dir,
    knownHosts,
    stop: async () => {
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** OpenSSH client arguments for `server`, with the same key and the pinned host key, no user config. */
function opensshArgs(server: Server, options: readonly string[], remote?: string): string[] {
  return harnessOpensshArgs(server.sshd, server.key, server.knownHosts, options, remote);
}

/** Runs `ssh` to its end (stdout to /dev/null) and returns how long it took; throws unless it exits 0. */
function timeSsh(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const took = ms(started);
      if (code === 0) resolve(took);
      else reject(new Error(`ssh exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}

async function repeat(times: number, work: () => Promise<number>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await work());
  return samples;
}

/**
 * Per-command overhead: the wall time of a trivial command (`true`) over our one SshSession connection
 * (session.run), against `ssh host true` multiplexed over a warmed-up ControlMaster (the anchor), and
 * against `ssh host true` on a new connection each time. The methods take turns, so a busy machine
 * slows them alike. Goal: ours ≤ 0.5× the anchor's median.
 * session.run sends `env TT_RUN=<token> 'true'` (every command carries the run's token), which costs
 * the server two execs (env, then /usr/bin/true instead of the shell's builtin) on top of the client
 * side. So the anchor is also timed with that same text: ours against it is the client side alone.
 * Also timed: ours with `true` in deploy's process-group wrapper (commandLine), as every deploy command
 * runs.
 */
export async function benchCommandOverhead(
  options: { n?: number; warmup?: number } = {},
): Promise<CommandOverheadResult> {
  const n = Math.max(50, options.n ?? 100);
  const warmup = Math.max(1, options.warmup ?? 10);
  const goalRatio = 0.5;
  const server = await startServer();
  const controlDir = mkdtempSync(join(tmpdir(), 'tt-cm-'));
  // A unix socket path must stay short (108 bytes): a folder of its own under /tmp, a one-letter name.
  const controlPath = join(controlDir, 'm');
  const multiplexOptions = [
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${controlPath}`,
    '-o',
    'ControlPersist=60',
  ];
  let session: SshSession | undefined;
  try {
    const settings = connectionFor(server.sshd, server.key);
    session = await SshSession.open(settings, settings.targets[0], quiet);
    const command = quoteArgv(['true']);
    const wrapped = commandLine({ argv: ['true'] });
    // What session.exec sends for `command` (with a token of its own, as another run would have).
    const sameText = `env TT_RUN=${randomUUID()} ${command}`;
    const connected = session;
    const runOurs = (text: string) => async () => {
      const started = process.hrtime.bigint();
      await connected.run(text, 'true');
      return ms(started);
    };
    const multiplexedArgs = opensshArgs(server, multiplexOptions, 'true');
    const multiplexedSameTextArgs = opensshArgs(server, multiplexOptions, sameText);
    const perConnectionArgs = opensshArgs(
      server,
      ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'],
      'true',
    );

    await repeat(warmup, runOurs(command));
    await repeat(warmup, runOurs(wrapped));
    // The first of these starts the master (it stays, ControlPersist); the rest warm it up.
    await repeat(warmup, () => timeSsh(multiplexedArgs));
    execFileSync('ssh', opensshArgs(server, [...multiplexOptions, '-O', 'check']), { stdio: 'ignore' });
    await repeat(warmup, () => timeSsh(multiplexedSameTextArgs));
    await repeat(Math.min(warmup, 3), () => timeSsh(perConnectionArgs));

    const samples = {
      ours: [] as number[],
      oursWrapped: [] as number[],
      multiplexed: [] as number[],
      multiplexedSameText: [] as number[],
      perConnection: [] as number[],
    };
    for (let i = 0; i < n; i++) {
      samples.ours.push(await runOurs(command)());
      samples.multiplexed.push(await timeSsh(multiplexedArgs));
      samples.oursWrapped.push(await runOurs(wrapped)());
      samples.multiplexedSameText.push(await timeSsh(multiplexedSameTextArgs));
      samples.perConnection.push(await timeSsh(perConnectionArgs));
    }
    const figures = {
      ours: latency(samples.ours),
      oursWrapped: latency(samples.oursWrapped),
      multiplexed: latency(samples.multiplexed),
      multiplexedSameText: latency(samples.multiplexedSameText),
      perConnection: latency(samples.perConnection),
    };
    const ratio = figures.ours.medianMs / figures.multiplexed.medianMs;
    const clientSideRatio = figures.ours.medianMs / figures.multiplexedSameText.medianMs;
    const met = ratio <= goalRatio;
    return {
      ...figures,
      ratio,
      clientSideRatio,
      goalRatio,
      met,
      description: [
        `per-command overhead of \`true\`, ${n} runs each (taking turns) after ${warmup} warm-up:`,
        ...(
          [
            ['ours, session.run on the one connection', figures.ours],
            ['OpenSSH `ssh host true` via ControlMaster (anchor)', figures.multiplexed],
            ['OpenSSH `ssh host true`, a new connection each', figures.perConnection],
            ['OpenSSH via ControlMaster, our text (env TT_RUN)', figures.multiplexedSameText],
            ["ours, in deploy's process-group wrapper", figures.oursWrapped],
          ] as const
        ).map(([label, measured]) => `  ${`${label}:`.padEnd(52)}${showLatency(measured)}`),
        `  ours / anchor: ${ratio.toFixed(2)}x (goal ≤ ${goalRatio}x: ${met ? 'met' : 'MISSED'}); ` +
          `same remote text, client side only: ${clientSideRatio.toFixed(2)}x`,
      ].join('\n'),
    };
  } finally {
    session?.close();
    try {
      execFileSync('ssh', opensshArgs(server, [...multiplexOptions, '-O', 'exit']), { stdio: 'ignore' });
    } catch {
      // No master was started.
    }
    rmSync(controlDir, { recursive: true, force: true });
    await server.stop();
  }
}

/** A build-log-like line, repeated: what `compose build` output looks like to the line splitter. */
const LOG_LINE = 'Step 3/7 : RUN pip install --no-cache-dir -r requirements.txt  # a build log line';

/**
 * Bundles ssh-stream-child.ts with ncc into a temporary folder. The bench itself runs from a bundle
 * that `ncc run` builds and deletes (process.argv[1]); re-spawning that would re-run the caller's whole
 * bench, and a flag for it would tie this module to scripts/bench.ts. A bundle of its own keeps the
 * child independent of whoever calls this, and it runs under plain `node` as the actions' bundles do.
 */
function bundleChild(): { script: string; remove: () => void } {
  const out = mkdtempSync(join(tmpdir(), 'tt-bench-child-'));
  execFileSync(
    join(ROOT, 'node_modules/.bin/ncc'),
    // Transpile only: type checking is `npm run typecheck`'s job, and a bench must not stop on it.
    ['build', join(ROOT, 'scripts/bench/ssh-stream-child.ts'), '-o', out, '-q', '-t'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return { script: join(out, 'index.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

/**
 * Runs the child once: its stdout (the action's log) is read from a pipe and counted, as the runner
 * reads an action's stdout; its report comes on fd 3.
 */
function runChild(script: string, job: string): Promise<StreamChildReport & { logBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, job], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    let logBytes = 0;
    let report = '';
    child.stdout?.on('data', (chunk: Buffer) => (logBytes += chunk.length));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (report += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code !== 0) reject(new Error(`the streaming child exited with ${code ?? signal}`));
      else resolve({ ...(JSON.parse(report) as StreamChildReport), logBytes });
    });
  });
}

/**
 * Streaming: `bytes` of build-log-like lines from the server through our exec path as deploy runs
 * `compose build` (session.run, each line echoed to the action's stdout inside the fence), in a child
 * node process whose peak RSS is measured, against OpenSSH running the same command with its output
 * to /dev/null, and against ssh2 alone reading and dropping it (in the same kind of child: the floor
 * under our figures). All are whole runs, connection included, taking turns. Goals: throughput ≥ 0.5×
 * OpenSSH, peak RSS of the action < 100 MiB.
 */
export async function benchStreaming(
  options: { bytes?: number; runs?: number } = {},
): Promise<StreamingResult> {
  const bytes = options.bytes ?? 200 * 1024 * 1024;
  const runs = Math.max(1, options.runs ?? 3);
  const goalRatio = 0.5;
  const goalPeakRssMiB = 100;
  const server = await startServer();
  const child = bundleChild();
  try {
    const command = commandLine({
      argv: ['sh', '-c', 'yes "$1" | head -c "$2"', 'sh', LOG_LINE, String(bytes)],
    });
    const jobs = {} as Record<StreamChildMode, string>;
    for (const mode of ['session', 'ssh2'] as const) {
      const job: StreamChildJob = { inputs: connectionInputs(server.sshd, server.key), command, mode };
      jobs[mode] = join(server.dir, `job-${mode}.json`);
      writeFileSync(jobs[mode], JSON.stringify(job), { mode: 0o600 });
    }
    const args = opensshArgs(server, ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'], command);
    const ours: StreamChildReport[] = [];
    const floor: StreamChildReport[] = [];
    const openssh: number[] = [];
    for (let i = 0; i < runs; i++) {
      const report = await runChild(child.script, jobs.session);
      // Every byte, plus the fence's two lines and the newline after a last partial line.
      if (report.logBytes < bytes || report.logBytes > bytes + 200)
        throw new Error(`the child logged ${report.logBytes} bytes for ${bytes} sent`);
      ours.push(report);
      floor.push(await runChild(child.script, jobs.ssh2));
      openssh.push(await timeSsh(args));
    }

    const mib = bytes / (1024 * 1024);
    const rate = (milliseconds: number): StreamFigures => ({
      seconds: milliseconds / 1000,
      mibPerSecond: mib / (milliseconds / 1000),
    });
    const figuresOf = (reports: readonly StreamChildReport[]): StreamFigures & RssFigures => ({
      ...rate(median(reports.map((report) => report.totalMs))),
      peakRssMiB: Math.max(...reports.map((report) => report.maxRssKiB)) / 1024,
      medianPeakRssMiB: median(reports.map((report) => report.maxRssKiB)) / 1024,
      connectedRssMiB: median(reports.map((report) => report.connectedRssKiB)) / 1024,
    });
    const oursFigures = figuresOf(ours);
    const floorFigures = figuresOf(floor);
    const opensshFigures = rate(median(openssh));
    const throughputRatio = oursFigures.mibPerSecond / opensshFigures.mibPerSecond;
    const throughputMet = throughputRatio >= goalRatio;
    const rssMet = oursFigures.peakRssMiB < goalPeakRssMiB;
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const lines = Math.ceil(bytes / (LOG_LINE.length + 1));
    const rss = (figures: RssFigures) =>
      `peak RSS ${figures.peakRssMiB.toFixed(0)} MiB (median ${figures.medianPeakRssMiB.toFixed(0)}; ` +
      `${figures.connectedRssMiB.toFixed(0)} once connected)`;
    const show = (figures: StreamFigures) =>
      `${figures.seconds.toFixed(2)} s, ${figures.mibPerSecond.toFixed(0)} MiB/s`.padEnd(19);
    return {
      bytes,
      ours: oursFigures,
      ssh2Floor: floorFigures,
      openssh: opensshFigures,
      throughputRatio,
      goalRatio,
      goalPeakRssMiB,
      throughputMet,
      rssMet,
      met: throughputMet && rssMet,
      runs,
      description: [
        `streaming ${mib.toFixed(0)} MiB of build-log lines (${lines} lines), median of ${runs} runs each (taking turns), connection included:`,
        `  ${'ours, session.run logging every line (child node):'.padEnd(52)}${show(oursFigures)} ${rss(oursFigures)}`,
        `  ${'ssh2 alone, output dropped (child node):'.padEnd(52)}${show(floorFigures)} ${rss(floorFigures)}`,
        `  ${'OpenSSH `ssh host command > /dev/null`:'.padEnd(52)}${show(opensshFigures)}`,
        `  throughput ours / OpenSSH: ${throughputRatio.toFixed(2)}x (goal ≥ ${goalRatio}x: ${verdict(throughputMet)}); ` +
          `our peak RSS ${oursFigures.peakRssMiB.toFixed(0)} MiB (goal < ${goalPeakRssMiB} MiB: ${verdict(rssMet)})`,
      ].join('\n'),
    };
  } finally {
    child.remove();
    await server.stop();
  }
}
