/**
 * `npm run bench`: every goal of the benchmark document, measured on this machine against its anchor
 * in the same run, against real parts (sshd on loopback, the local Docker engine, PostgreSQL). Prints
 * a table, writes bench/results.json, and puts the table into docs/benchmarks.md between its markers.
 * A goal missed is printed with the margin; the numbers are never adjusted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/harness/runner';
import { benchColdStart } from './bench/cold-start';
import { benchDeploy, benchDroppedRequests } from './bench/deploy';
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

async function bench(): Promise<void> {
  execFileSync('bash', [`${ROOT}/scripts/setup-machine.sh`], { stdio: 'inherit' });
  const started = Date.now();
  const where = machine();
  console.log(`machine: ${where}`);
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

  mkdirSync(join(ROOT, 'bench'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench/results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine: where, rows, deploy, drops, overhead, stream }, null, 2)}\n`,
  );
  const docPath = join(ROOT, 'docs/benchmarks.md');
  const doc = readFileSync(docPath, 'utf8');
  const [before, rest] = doc.split('<!-- bench:start -->');
  const after = rest?.split('<!-- bench:end -->')[1];
  if (after === undefined)
    throw new Error(`${docPath} lacks the <!-- bench:start --> and <!-- bench:end --> markers`);
  writeFileSync(docPath, `${before}<!-- bench:start -->\n${report}\n<!-- bench:end -->${after}`);

  const missed = rows.filter((row) => row.met === false);
  console.log(
    missed.length === 0
      ? 'every goal met'
      : `goals missed:\n${missed.map((row) => `  MISSED ${row.measure}: ${row.miss}`).join('\n')}`,
  );
}

bench().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
