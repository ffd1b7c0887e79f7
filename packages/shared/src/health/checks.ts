/** action-health's checks, run on each server over its one SSH session, retried as a set. */
import { forEachHost, rethrowSingle } from '../ssh/fleet';
import * as core from '@actions/core';
import {
  detectCompose,
  judgeServices,
  readServicesState,
  readStackServices,
  type Compose,
} from '../compose/compose';
import { CancelledError } from '../errors';
import type { HealthSettings } from '../inputs/health';
import { toSshCommand } from '../shell';
import type { ExecResult, RemoteSession } from '../ssh/session';
import { histogramQuantile, parseMetrics, serverErrorRate } from './prometheus';
import { sleep } from '../sleep';
import { collectDiagnostics, type Diagnostics } from '../diagnostics/diagnostics';
import { backupChecks } from './backups';
import { dependencyChecks } from './dependencies';
import { preflightChecks } from './preflight';
import { swarmHealth } from '../swarm/health';
import { journalPath, readDeliveryHistory, type DeliveryHistory } from './delivery';

export type Verdict = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  readonly host: string;
  readonly check: string;
  readonly value: string;
  readonly threshold: string;
  readonly verdict: Verdict;
  /** Preflight rows (runbook §1): the minimum and the recommended value ('' where the runbook gives none). */
  readonly minimum?: string;
  readonly recommended?: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly attempts: number;
  readonly checks: readonly CheckResult[];
  /** Names of the failing checks, `host: check`. */
  readonly failing: readonly string[];
  /** Runbook §9 about the failing services and probe of each server (not in the `report` output). */
  readonly diagnostics?: readonly Diagnostics[];
  /** The release history and delivery figures from the first host's journal (not in the `report` output). */
  readonly history?: DeliveryHistory;
}

/** Warning levels from runbook §7; a critical threshold set below one lowers it. */
const WARN_P95_SECONDS = 2;
const WARN_ERROR_RATE = 0.01;
const WARN_DISK_PERCENT = 70;
const PROBE_TIMEOUT_SECONDS = 10;

/**
 * Fetches a URL on the server: curl where present, else wget. Prints the body, then a last line with
 * the HTTP status (000 when there was no answer). The URL arrives as $1, never pasted in.
 */
const PROBE_SCRIPT = `
if command -v curl >/dev/null 2>&1; then
  curl -sS -m "$2" -w '\\n%{http_code}' "$1"
elif command -v wget >/dev/null 2>&1; then
  if wget -q -O - -T "$2" "$1"; then printf '\\n200'; else rc=$?; printf '\\n000'; exit $rc; fi
else
  echo 'neither curl nor wget is installed on the server' >&2; exit 127
fi`;

/** The one row of a check script that could not run (or said nothing): what happened, failing. */
export function scriptFailedRow(
  host: string,
  check: string,
  result: ExecResult,
  extra: Partial<CheckResult> = {},
): CheckResult {
  const why = result.stderrTail.slice(-3).join(' ').trim();
  const what =
    result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind;
  return {
    host,
    check,
    value: `the ${check} script ${what}${why ? `: ${why}` : ''}`,
    threshold: 'runs',
    verdict: 'fail',
    ...extra,
  };
}

/** The compose command that works on a host, and the services its stack defines. */
export interface ComposeProject {
  readonly compose: Compose;
  readonly services: readonly string[];
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** Why there was no answer (connection refused, no curl...). */
  readonly error?: string;
}

export async function probeOnServer(
  session: RemoteSession,
  url: string,
  maxBytes = 64 * 1024,
): Promise<HttpAnswer> {
  const result = await session.exec(toSshCommand(PROBE_SCRIPT, [url, String(PROBE_TIMEOUT_SECONDS)]), {
    echo: 'none',
    timeoutSeconds: PROBE_TIMEOUT_SECONDS + 20,
    maxBytes,
  });
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  const cut = result.stdout.lastIndexOf('\n');
  const status = Number(result.stdout.slice(cut + 1).trim()) || 0;
  const body = cut >= 0 ? result.stdout.slice(0, cut) : '';
  if (status === 0) {
    const why =
      result.stderrTail.join(' ').trim() ||
      `probe ${result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind}`;
    return { status, body, error: why };
  }
  return { status, body };
}

export async function probeFromRunner(url: string): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(PROBE_TIMEOUT_SECONDS * 1000),
      redirect: 'manual',
    });
    return { status: response.status, body: (await response.text()).slice(0, 64 * 1024) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, body: '', error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** Judges a /health answer: 2xx and JSON `status` equal to the expected word. */
export function judgeHealthAnswer(answer: HttpAnswer, expect: string): { value: string; ok: boolean } {
  if (answer.status === 0) return { value: `no answer (${answer.error ?? 'unknown'})`, ok: false };
  let status: unknown;
  try {
    status = (JSON.parse(answer.body) as { status?: unknown }).status;
  } catch {
    return { value: `HTTP ${answer.status}, body is not JSON`, ok: false };
  }
  const ok = answer.status >= 200 && answer.status < 300 && status === expect;
  return { value: `HTTP ${answer.status}, status ${JSON.stringify(status)}`, ok };
}

function grade(value: number, warnAt: number, failAt: number): Verdict {
  if (value > failAt) return 'fail';
  if (value > Math.min(warnAt, failAt)) return 'warn';
  return 'pass';
}

async function diskPercent(
  session: RemoteSession,
  path: string,
): Promise<{ percent: number; mount: string }> {
  // df on app-dir when it exists, else on /: the disk that fills is the one the app writes to.
  const output = await session.run(
    toSshCommand('df -P "$1" 2>/dev/null || df -P /', [path]),
    'reading disk use',
    {
      echo: 'stderr',
      timeoutSeconds: 60,
    },
  );
  const fields = output.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
  const percent = Number(/^(\d+)%$/.exec(fields[4] ?? '')?.[1]);
  if (Number.isNaN(percent)) throw new Error(`could not read disk use from df on ${session.label}`);
  return { percent, mount: fields[5] ?? '?' };
}

/** What failed in a round on one server: the services and the probe the diagnostics are about. */
export interface FailedSubjects {
  services: string[];
  probe?: { readonly url: string; readonly answer: HttpAnswer };
}

/** One round of every check on one server; `failed` gets what failed, for the diagnostics. */
export async function checkServer(
  session: RemoteSession,
  settings: HealthSettings,
  compose: () => Promise<ComposeProject>,
  failed: FailedSubjects = { services: [] },
): Promise<CheckResult[]> {
  const host = session.label;
  const results: CheckResult[] = [];
  const add = (check: string, value: string, threshold: string, verdict: Verdict) =>
    results.push({ host, check, value, threshold, verdict });

  // The dependency script (docker stats alone takes about 2 s) runs on a channel of its own while
  // the checks below run; its rows come last.
  const dependencies = settings.dependencies;
  const dependencyRows =
    dependencies === undefined
      ? undefined
      : guarded(host, 'dependencies', () =>
          dependencyChecks(
            session,
            {
              ...dependencies,
              appDir: settings.connection.appDir,
              composeFile: settings.connection.composeFile,
            },
            settings.connection.composeCommand,
          ),
        );
  // Awaited below; should a check before it throw (a cancel), its rejection is not left unhandled.
  dependencyRows?.catch(() => undefined);

  const answer = await probeOnServer(session, settings.serverUrl);
  const health = judgeHealthAnswer(answer, settings.expectStatus);
  if (!health.ok) failed.probe = { url: settings.serverUrl, answer };
  add(
    `server-url ${settings.serverUrl}`,
    health.value,
    `status ${settings.expectStatus}`,
    health.ok ? 'pass' : 'fail',
  );

  if (settings.checkServices) {
    try {
      const project = await compose();
      const verdicts = judgeServices(
        await readServicesState(session, project.compose, settings.connection, project.services),
      );
      const bad = verdicts.filter((verdict) => !verdict.ok);
      failed.services = bad.map((verdict) => verdict.service);
      const value =
        verdicts.length === 0
          ? 'no services defined'
          : bad.length === 0
            ? `${verdicts.length} running/healthy`
            : bad.map((verdict) => `${verdict.service}: ${verdict.state}`).join('; ');
      add(
        'services',
        value,
        'running, healthy where checked',
        bad.length === 0 && verdicts.length > 0 ? 'pass' : 'fail',
      );
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      add('services', (error as Error).message, 'running, healthy where checked', 'fail');
    }
  } else {
    add('services', 'not checked (check-services: false)', '', 'skip');
  }

  if (settings.metricsUrl !== undefined) {
    const answer = await probeOnServer(session, settings.metricsUrl, 8 * 1024 * 1024);
    if (answer.status < 200 || answer.status >= 300) {
      const value = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status}`;
      add('metrics', value, '2xx', 'fail');
    } else {
      const samples = parseMetrics(answer.body);
      const p95 = histogramQuantile(0.95, samples, 'http_request_duration_seconds');
      add(
        'p95 latency',
        p95 === undefined ? 'no observations' : `${p95.toFixed(3)}s`,
        `warn > ${Math.min(WARN_P95_SECONDS, settings.maxP95Seconds)}s, fail > ${settings.maxP95Seconds}s`,
        p95 === undefined ? 'skip' : grade(p95, WARN_P95_SECONDS, settings.maxP95Seconds),
      );
      const errors = serverErrorRate(samples, 'http_requests_total');
      add(
        '5xx share',
        errors === undefined
          ? 'no requests counted'
          : `${(errors.rate * 100).toFixed(2)}% of ${errors.total}`,
        `warn > ${Math.min(WARN_ERROR_RATE, settings.maxErrorRate) * 100}%, fail > ${settings.maxErrorRate * 100}%`,
        errors === undefined ? 'skip' : grade(errors.rate, WARN_ERROR_RATE, settings.maxErrorRate),
      );
    }
  }

  try {
    const disk = await diskPercent(session, settings.connection.appDir);
    add(
      `disk (${disk.mount})`,
      `${disk.percent}%`,
      `warn > ${Math.min(WARN_DISK_PERCENT, settings.maxDiskPercent)}%, fail > ${settings.maxDiskPercent}%`,
      grade(disk.percent, WARN_DISK_PERCENT, settings.maxDiskPercent),
    );
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    add('disk', (error as Error).message, `fail > ${settings.maxDiskPercent}%`, 'fail');
  }

  if (dependencyRows !== undefined) results.push(...(await dependencyRows));
  return results;
}

/** Runs a group of checks; anything it throws but a cancel becomes one failing row. */
async function guarded(
  host: string,
  check: string,
  run: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return [{ host, check, value: (error as Error).message, threshold: 'runs', verdict: 'fail' }];
  }
}

/**
 * The checks whose answer does not change within a run's retry window: the newest backup's age, size
 * and retention (backups are taken hours apart) and the preflight (cores, memory, versions, secrets,
 * certificate). They run once per server, in the first round, and their rows are repeated in every
 * round; failing alone, they end the run without waiting for rounds that could not change them.
 */
export async function checkServerOnce(
  session: RemoteSession,
  settings: HealthSettings,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const backups = settings.backups;
  if (backups !== undefined)
    results.push(...(await guarded(session.label, 'backups', () => backupChecks(session, backups))));
  const preflight = settings.preflight;
  if (preflight !== undefined)
    results.push(...(await guarded(session.label, 'preflight', () => preflightChecks(session, preflight))));
  return results;
}

/**
 * Runs every check on every server (and the runner-side URL), repeating the whole set until all pass
 * or `retries` more rounds have failed.
 */
export async function runHealthChecks(
  sessions: readonly RemoteSession[],
  settings: HealthSettings,
  signal: AbortSignal,
): Promise<HealthReport> {
  // Which compose works and which services the stack has do not change between rounds: asked once per host.
  const projects = new Map<RemoteSession, Promise<ComposeProject>>();
  const projectFor = (session: RemoteSession) => () => {
    let found = projects.get(session);
    if (found === undefined) {
      found = (async () => {
        const compose = await detectCompose(session, settings.connection.composeCommand);
        return { compose, services: await readStackServices(session, compose, settings.connection) };
      })();
      projects.set(session, found);
    }
    return found;
  };
  const once = new Map<RemoteSession, Promise<CheckResult[]>>();
  const onceFor = (session: RemoteSession) => {
    let found = once.get(session);
    if (found === undefined) {
      found = checkServerOnce(session, settings);
      once.set(session, found);
    }
    return found;
  };
  const rounds = settings.retries + 1;
  for (let round = 1; ; round++) {
    const checks: CheckResult[] = [];
    const fixed = new Set<CheckResult>();
    const failed = new Map<RemoteSession, FailedSubjects>();
    for (const session of sessions) {
      // The once-only checks of the first round run beside it, on a channel of their own.
      const pending = onceFor(session);
      pending.catch(() => undefined);
      const subjects: FailedSubjects = { services: [] };
      failed.set(session, subjects);
      checks.push(...(await checkServer(session, settings, projectFor(session), subjects)));
      const rows = await pending;
      for (const row of rows) fixed.add(row);
      checks.push(...rows);
    }
    if (settings.url !== undefined) {
      const answer = judgeHealthAnswer(await probeFromRunner(settings.url), settings.expectStatus);
      checks.push({
        host: 'runner',
        check: `url ${settings.url}`,
        value: answer.value,
        threshold: `status ${settings.expectStatus}`,
        verdict: answer.ok ? 'pass' : 'fail',
      });
    }
    const failing = checks
      .filter((check) => check.verdict === 'fail')
      .map((check) => `${check.host}: ${check.check} (${check.value})`);
    const mayChange = checks.some((check) => check.verdict === 'fail' && !fixed.has(check));
    if (failing.length === 0 || round >= rounds || !mayChange) {
      if (failing.length > 0 && round < rounds)
        core.info(
          'only checks that do not change between rounds (backups, preflight) failed: no more rounds',
        );
      const diagnostics: Diagnostics[] = [];
      for (const [session, subjects] of failed) {
        if (subjects.services.length === 0 && subjects.probe === undefined) continue;
        // Runbook §9 about what failed on this server; the compose command is known when services were read.
        const project = await projectFor(session)().catch(() => undefined);
        if (project === undefined) continue;
        diagnostics.push(
          await collectDiagnostics(session, project.compose, settings.connection, {
            reason: failing
              .filter((line) => line.startsWith(`${session.label}: `))
              .map((line) => line.slice(session.label.length + 2))
              .join('; '),
            services: subjects.services,
            ...(subjects.probe ? { probe: subjects.probe } : {}),
          }),
        );
      }
      return { healthy: failing.length === 0, attempts: round, checks, failing, diagnostics };
    }
    core.info(
      `round ${round} of ${rounds} failed: ${failing.join('; ')}; next round in ${settings.intervalSeconds}s`,
    );
    await sleep(settings.intervalSeconds * 1000, signal);
  }
}

/**
 * Health of every host (`max-parallel` at a time; each host checked whatever the others gave, an
 * unreachable one a failing row of its own), then health-url once from the runner.
 */
export async function checkHosts(settings: HealthSettings, signal: AbortSignal): Promise<HealthReport> {
  const perHost = { ...settings, url: undefined };
  const runs = await forEachHost(
    settings.connection,
    { signal, keepGoing: true, passed: (report: HealthReport) => report.healthy },
    async (session, index): Promise<HealthReport> => {
      // A Swarm manager is checked as a stack: replicas per service and server-url (swarm/health.ts).
      const report =
        settings.connection.orchestrator === 'swarm'
          ? await swarmHealth(session, perHost, signal)
          : await runHealthChecks([session], perHost, signal);
      // The journal of the first host only: a fleet's deploys journal the same runs on every host.
      // Read after the checks, whatever they gave; it never fails them.
      return index === 0
        ? { ...report, history: await readDeliveryHistory(session, settings.connection) }
        : report;
    },
  );
  rethrowSingle(runs);
  const first = runs[0];
  const history =
    first?.value?.history ??
    (first === undefined
      ? undefined
      : {
          host: first.host,
          journal: journalPath(settings.connection.stateDir),
          error: `the host was not checked (${first.result}${first.error ? `: ${first.error}` : ''})`,
          runs: [],
        });
  const reports = runs.flatMap((run): HealthReport[] => {
    if (run.value !== undefined) return [run.value];
    // Unreachable, cancelled or not started: no check ran there; the row says which.
    const row = {
      host: run.host,
      check: run.result === 'unreachable' ? 'connect' : run.result,
      value: run.error ?? run.result,
      threshold: 'reachable',
    };
    return [
      {
        healthy: false,
        attempts: 0,
        checks: [{ ...row, verdict: 'fail' }],
        failing: [`${run.host}: ${row.check} (${row.value})`],
      },
    ];
  });
  if (settings.url !== undefined) reports.push(await runHealthChecks([], settings, signal));
  return {
    healthy: reports.every((report) => report.healthy),
    attempts: Math.max(0, ...reports.map((report) => report.attempts)),
    checks: reports.flatMap((report) => report.checks),
    failing: reports.flatMap((report) => report.failing),
    diagnostics: reports.flatMap((report) => report.diagnostics ?? []),
    ...(history === undefined ? {} : { history }),
  };
}
