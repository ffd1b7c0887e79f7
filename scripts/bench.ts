/**
 * `npm run bench`: every goal of the benchmark document, measured on this machine against its anchor
 * in the same run, against real parts (sshd on loopback, the local Docker engine, PostgreSQL). Prints
 * a table, writes bench/results.json, and puts the table into docs/benchmarks.md between its markers.
 * A goal missed is printed with the margin; the numbers are never adjusted.
 *
 * `BENCH_ONLY=fleet npm run bench` (or `--only fleet` when the bundle is run directly: `ncc run` takes no
 * arguments of its own for the script) measures the fleet section alone and merges it in: the fleet
 * block of docs/benchmarks.md and the `fleet` key of bench/results.json are replaced, every other
 * section is kept as it was. `BENCH_FLEET_HOSTS=5` and `BENCH_FLEET_PARALLEL=1,5` try the fleet section
 * on other figures: it is then printed only, never written (the section is 100 hosts at 1, 10 and 50).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/harness/runner';
import { benchColdStart } from './bench/cold-start';
import { benchDeploy, benchDroppedRequests } from './bench/deploy';
import { benchFleet, type FleetBenchResult } from './bench/fleet';
import { benchCommandOverhead, benchStreaming } from './bench/ssh';

interface Row {
  readonly measure: string;
  readonly ours: string;
  readonly anchor: string;
  /** ours / anchor, where the goal is a ratio. */
  readonly ratio: number | undefined;
  readonly goal: string;
  /** undefined: reported only. */
  readonly met: boolean | undefined;
  /** How far from the goal, when missed. */
  readonly miss?: string;
}

const s = (seconds: number) => `${seconds.toFixed(2)} s`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

function machine(): string {
  const compose = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).trim();
  const docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
  }).trim();
  // OpenSSH prints its version on stderr.
  const ssh = spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim() || 'ssh';
  return (
    `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `node ${process.version}, Docker ${docker}, docker-compose ${compose}, ${ssh.split(',')[0]}`
  );
}

/** A "lower is better" ratio goal. */
function atMost(
  measure: string,
  ours: number,
  anchor: number,
  goal: number,
  show: (v: number) => string,
): Row {
  const ratio = ours / anchor;
  const met = ratio <= goal;
  return {
    measure,
    ours: show(ours),
    anchor: show(anchor),
    ratio,
    goal: `≤ ${goal}×`,
    met,
    ...(met ? {} : { miss: `${ratio.toFixed(2)}× against ≤ ${goal}× (${show(ours - anchor * goal)} over)` }),
  };
}

const FLEET_START = '<!-- bench-fleet:start -->';
const FLEET_END = '<!-- bench-fleet:end -->';

/** What `--only` / BENCH_ONLY asks for: undefined = every section. */
function onlySection(): 'fleet' | undefined {
  const at = process.argv.indexOf('--only');
  const only = at >= 0 ? process.argv[at + 1] : process.env.BENCH_ONLY || undefined;
  if (only === undefined || only === 'fleet') return only;
  throw new Error(`BENCH_ONLY / --only: "${only}" is not a section that can run alone (fleet)`);
}

/** The fleet section: its goal rows and its block of the document. */
function fleetSection(
  fleet: FleetBenchResult,
  where: string,
  minutes: number,
): { rows: Row[]; report: string } {
  const rssRow: Row = {
    measure: `fleet of ${fleet.hosts} hosts: peak RSS of the action (highest of the ${fleet.runs.length} runs)`,
    ours: `${fleet.peakRssMiB.toFixed(0)} MiB`,
    anchor: '',
    ratio: undefined,
    goal: `< ${fleet.goalPeakRssMiB} MiB`,
    met: fleet.rssMet,
    ...(fleet.rssMet ? {} : { miss: `${(fleet.peakRssMiB - fleet.goalPeakRssMiB).toFixed(0)} MiB over` }),
  };
  const linearRows = fleet.speedups.map((each): Row => {
    const met = each.efficiency >= fleet.goalEfficiency;
    return {
      measure: `fleet of ${fleet.hosts} hosts: ${each.action}, speed-up at max-parallel ${each.maxParallel} vs 1`,
      ours: `${each.speedup.toFixed(2)}×`,
      anchor: `${each.ideal.toFixed(2)}× ideal`,
      ratio: each.efficiency,
      goal: `≥ ${fleet.goalEfficiency}× of ideal`,
      met,
      ...(met
        ? {}
        : {
            miss:
              `${each.efficiency.toFixed(2)}× of ideal (${each.speedup.toFixed(2)}× against ${each.ideal.toFixed(2)}×` +
              `${each.anchorSpeedup === undefined ? '' : `; OpenSSH in the same batches: ${each.anchorSpeedup.toFixed(2)}×`})`,
          }),
    };
  });
  const rows = [rssRow, ...linearRows];
  const speedupOf = (action: string, maxParallel: number) =>
    fleet.speedups.find((each) => each.action === action && each.maxParallel === maxParallel);
  const runTable = [
    '| action | max-parallel | wall time | speed-up vs 1 (ideal) | peak RSS | peak sockets | node CPU | machine CPUs busy | OpenSSH anchor: time, speed-up |',
    '|---|---|---|---|---|---|---|---|---|',
    ...fleet.runs.map((run) => {
      const speedup = speedupOf(run.action, run.maxParallel);
      const anchor =
        run.action === 'action-health'
          ? fleet.anchor.find((each) => each.maxParallel === run.maxParallel)
          : undefined;
      const anchorOne = fleet.anchor.find((each) => each.maxParallel === 1);
      return (
        `| ${run.action} | ${run.maxParallel} | ${s(run.seconds)} | ` +
        `${speedup === undefined ? '1×' : `${speedup.speedup.toFixed(2)}× (${speedup.ideal.toFixed(2)}×)`} | ` +
        `${run.peakRssMiB.toFixed(0)} MiB | ${run.peakSockets} | ${run.cpuSeconds.toFixed(1)} s | ` +
        `${run.machineBusyCpus.toFixed(2)} | ` +
        `${anchor === undefined || anchorOne === undefined ? '' : `${s(anchor.seconds)}, ${(anchorOne.seconds / anchor.seconds).toFixed(2)}×`} |`
      );
    }),
  ].join('\n');
  const goalTable = [
    '| goal | measured | met |',
    '|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.measure}: ${row.goal} | ${row.ours}${row.anchor === '' ? '' : ` (${row.anchor})`} | ${row.met ? 'yes' : `**no**: ${row.miss}`} |`,
    ),
  ].join('\n');
  const report = [
    `Fleet section measured ${fleet.date.slice(0, 10)} (${fleet.date.slice(11, 16)} UTC) on ${where}; ${minutes.toFixed(1)} min in all.`,
    `Load before the measured runs: \`${fleet.loadBefore.replace(/^.*load average/, 'load average')}\`; after: \`${fleet.loadAfter.replace(/^.*load average/, 'load average')}\`.`,
    '',
    runTable,
    '',
    goalTable,
    '',
    fleet.description,
    ...fleet.runs
      .filter((run) => run.warnings.length > 0)
      .map(
        (run) =>
          `Node warned in ${run.action} at max-parallel ${run.maxParallel}: ${run.warnings.join(' / ')}`,
      ),
  ].join('\n');
  return { rows, report };
}

/** Replaces the text between `start` and `end` in docs/benchmarks.md, the rest left as it is. */
function writeDocBlock(start: string, end: string, text: string): void {
  const docPath = join(ROOT, 'docs/benchmarks.md');
  const doc = readFileSync(docPath, 'utf8');
  const [before, rest] = doc.split(start);
  const after = rest?.split(end)[1];
  if (after === undefined) throw new Error(`${docPath} lacks the ${start} and ${end} markers`);
  writeFileSync(docPath, `${before}${start}\n${text}\n${end}${after}`);
}

function printMissed(rows: readonly Row[]): void {
  const missed = rows.filter((row) => row.met === false);
  console.log(
    missed.length === 0
      ? 'every goal met'
      : `goals missed:\n${missed.map((row) => `  MISSED ${row.measure}: ${row.miss}`).join('\n')}`,
  );
}

function readResults(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * The fleet section: measured, printed, and (unless it was tried on other than 100 hosts) merged into
 * bench/results.json and docs/benchmarks.md, every other section left as it was measured.
 */
async function runFleetSection(where: string, resultsPath: string): Promise<{ rows: Row[] }> {
  const started = Date.now();
  const hosts = Number(process.env.BENCH_FLEET_HOSTS || 100);
  console.log(`fleet of ${hosts} sshd on 127.0.1.x, action-health and a dry-run action-deploy:`);
  const parallels = (process.env.BENCH_FLEET_PARALLEL || '1,10,50').split(',').map(Number);
  const fleet = await benchFleet({ hosts, parallels });
  const { rows, report } = fleetSection(fleet, where, (Date.now() - started) / 60000);
  console.log(`\n${report}\n`);
  if (hosts !== 100 || parallels.join(',') !== '1,10,50') {
    console.log(
      `(not written: ${hosts} hosts at max-parallel ${parallels.join(', ')}; the section is 100 at 1, 10, 50)`,
    );
    return { rows };
  }
  const previous = readResults(resultsPath);
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ ...previous, fleet: { date: fleet.date, machine: where, rows, result: fleet } }, null, 2)}\n`,
  );
  writeDocBlock(FLEET_START, FLEET_END, report);
  return { rows };
}

async function bench(): Promise<void> {
  const only = onlySection();
  execFileSync('bash', [`${ROOT}/scripts/setup-machine.sh`], { stdio: 'inherit' });
  const started = Date.now();
  const where = machine();
  console.log(`machine: ${where}`);
  const resultsPath = join(ROOT, 'bench/results.json');
  mkdirSync(join(ROOT, 'bench'), { recursive: true });

  if (only === 'fleet') {
    printMissed((await runFleetSection(where, resultsPath)).rows);
    return;
  }
  const rows: Row[] = [];

  console.log('deploy v1 -> v2 (fresh fixture servers, rotating order, one untimed round first):');
  const deploy = await benchDeploy(3);
  const { median } = deploy;
  rows.push(
    atMost('deploy vs the runbook (sleeps)', median['action-deploy'], median.runbook, 0.45, s),
    atMost('deploy vs the verified floor', median['action-deploy'], median['verified floor'], 1.1, s),
    {
      ...atMost(
        "deploy with min-uptime 0 (the floor's standard for a container without healthcheck) vs the verified floor",
        median['action-deploy, min-uptime 0'],
        median['verified floor'],
        1.1,
        s,
      ),
      goal: '≤ 1.1× (reported: the default holds 5 s)',
      met: undefined,
    },
    {
      ...atMost(
        'deploy with min-uptime 0 vs the runbook',
        median['action-deploy, min-uptime 0'],
        median.runbook,
        0.45,
        s,
      ),
      goal: '≤ 0.45× (reported)',
      met: undefined,
    },
    {
      measure: 'deploy vs the plain floor (no waiting)',
      ours: s(median['action-deploy']),
      anchor: s(median['plain floor']),
      ratio: median['action-deploy'] / median['plain floor'],
      goal: 'reported',
      met: undefined,
    },
  );

  console.log('requests through nginx during a deploy:');
  const drops = await benchDroppedRequests();
  rows.push({
    measure: `dropped requests at ${drops.perSecond}/s, start-first vs recreate`,
    ours: `${drops.startFirst.dropped} of ${drops.startFirst.sent}`,
    anchor: `${drops.recreate.dropped} of ${drops.recreate.sent}`,
    ratio: undefined,
    goal: '0 with start-first',
    met: drops.startFirst.dropped === 0,
    ...(drops.startFirst.dropped === 0 ? {} : { miss: `${drops.startFirst.dropped} dropped` }),
  });

  console.log('per-command overhead:');
  const overhead = await benchCommandOverhead();
  rows.push(
    atMost(
      'command on the one connection vs OpenSSH ControlMaster',
      overhead.ours.medianMs,
      overhead.multiplexed.medianMs,
      overhead.goalRatio,
      ms,
    ),
    {
      measure: 'a new ssh connection per command (reported)',
      ours: ms(overhead.ours.medianMs),
      anchor: ms(overhead.perConnection.medianMs),
      ratio: overhead.ours.medianMs / overhead.perConnection.medianMs,
      goal: 'reported',
      met: undefined,
    },
  );

  console.log('streaming a build log:');
  const stream = await benchStreaming();
  rows.push(
    {
      measure: `streaming ${Math.round(stream.bytes / 2 ** 20)} MiB of output: throughput vs ssh`,
      ours: `${stream.ours.mibPerSecond.toFixed(0)} MiB/s`,
      anchor: `${stream.openssh.mibPerSecond.toFixed(0)} MiB/s`,
      ratio: stream.throughputRatio,
      goal: `≥ ${stream.goalRatio}×`,
      met: stream.throughputMet,
      ...(stream.throughputMet
        ? {}
        : { miss: `${stream.throughputRatio.toFixed(2)}× against ≥ ${stream.goalRatio}×` }),
    },
    {
      measure: 'streaming: peak RSS of the action',
      ours: `${stream.ours.peakRssMiB.toFixed(0)} MiB`,
      anchor: '',
      ratio: undefined,
      goal: `< ${stream.goalPeakRssMiB} MiB`,
      met: stream.rssMet,
      ...(stream.rssMet
        ? {}
        : { miss: `${(stream.ours.peakRssMiB - stream.goalPeakRssMiB).toFixed(0)} MiB over` }),
    },
  );

  console.log('cold start:');
  for (const result of await benchColdStart()) {
    rows.push(
      atMost(`${result.action}: refusing a bad input vs node -e 0`, result.refuseMs, result.nodeMs, 2.5, ms),
    );
    const bundleMet = result.bundleBytes < 2_000_000;
    rows.push({
      measure: `${result.action}: dist/index.js`,
      ours: `${(result.bundleBytes / 1e6).toFixed(2)} MB`,
      anchor: '',
      ratio: undefined,
      goal: '< 2 MB',
      met: bundleMet,
      ...(bundleMet ? {} : { miss: `${((result.bundleBytes - 2_000_000) / 1e6).toFixed(2)} MB over` }),
    });
  }

  const table = [
    '| measure | ours | anchor | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.measure} | ${row.ours} | ${row.anchor} | ${row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`} | ${row.goal} | ${row.met === undefined ? '' : row.met ? 'yes' : `**no**: ${row.miss}`} |`,
    ),
  ].join('\n');
  const stages = Object.entries(deploy.stages)
    .map(([name, seconds]) => `| ${name} | ${seconds.toFixed(1)} s |`)
    .join('\n');
  const runs = Object.entries(deploy.seconds)
    .map(
      ([method, values]) =>
        `| ${method} | ${values.map((v) => v.toFixed(2)).join(', ')} | ${s(median[method as keyof typeof median])} |`,
    )
    .join('\n');
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${where}; ${((Date.now() - started) / 60000).toFixed(1)} min in all.`,
    '',
    table,
    '',
    'Deploy runs (seconds, one fresh server each, in the order run):',
    '',
    '| method | runs | median |',
    '|---|---|---|',
    runs,
    '',
    "action-deploy's own stage timings (median):",
    '',
    '| stage | time |',
    '|---|---|',
    stages,
    '',
    overhead.description,
    '',
    stream.description,
  ].join('\n');
  console.log(`\n${report}\n`);
  // The fleet section of an earlier run is kept until this run's own replaces it.
  const previous = readResults(resultsPath);
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ date: new Date().toISOString(), machine: where, rows, deploy, drops, overhead, stream, ...(previous.fleet === undefined ? {} : { fleet: previous.fleet }) }, null, 2)}\n`,
  );
  writeDocBlock('<!-- bench:start -->', '<!-- bench:end -->', report);

  const fleetSectionRun = await runFleetSection(where, resultsPath);
  printMissed([...rows, ...fleetSectionRun.rows]);
}

bench().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
