/**
 * Release history and delivery figures from the server's own journal (`<state-dir>/releases.jsonl`),
 * for action-health's summary. Everything here but readDeliveryHistory is pure: entries (and commit
 * times) in, runs and figures out. How each figure is counted, as the summary states it:
 *
 * - A run is a run_id's entries: its first `started` to its last result. A later `started` of the same
 *   run (a rollback's own deploy) belongs to it; a `started` after a result begins a new run (a re-run
 *   of the workflow keeps GITHUB_RUN_ID). A `started` with no result is `interrupted` (not a success;
 *   the journal's newest one may still be running). An entry without run_id is a run of its own with
 *   no duration (a `started` without one cannot be paired and is not shown).
 * - Deploys are runs with `action` deploy, or none (entries older than the field). Rollbacks,
 *   migrations and emergency operations are in the history, not in the figures, but for one thing: a
 *   successful rollback ends a failure (time to restore).
 * - The window: the last 4 weeks, or from the oldest entry read (the last JOURNAL_LINES lines) when
 *   that is later, never shorter than 1 week; it ends now (or at the newest entry, should the server's
 *   clock be ahead). A run is in it when its result (else its start) is.
 * - Deploys per week: successful deploys in the window / its weeks; `unchanged` changed nothing and is
 *   not counted.
 * - Lead time: the median, over successful deploys in the window, of the commit's committer time (read
 *   from the app-dir git repository on the server) to the time the deploy's success was journalled.
 *   A ref that is not a commit id, or a commit the server does not have, is skipped and counted.
 * - Change failure rate: (failed + rolled-back) / (success + failed + rolled-back) deploys in the
 *   window; `unchanged`, `cancelled` and interrupted deploys did not finish a change: not counted.
 * - Time to restore: the median, over failures that began in the window, of the first failed or
 *   rolled-back deploy of a streak to the next successful deploy or rollback; one still open is shown.
 */
import { CancelledError, errorMessage } from '../errors';
import type { ConnectionSettings } from '../inputs/connection';
import { readReleases, type Release, type ReleaseResult } from '../ledger/ledger';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';

/** Lines of the journal read: enough for the history and, on most servers, the whole window. */
export const JOURNAL_LINES = 500;
export const HISTORY_RUNS = 10;
const DAY_MS = 24 * 3600 * 1000;
export const WINDOW_DAYS = 28;
export const MIN_WINDOW_DAYS = 7;

export type RunResult = ReleaseResult | 'interrupted';

export interface JournalRun {
  readonly runId: string | undefined;
  /** deploy, rollback, migrate or ops; deploy for an entry older than the `action` field. */
  readonly action: string;
  readonly operation: string | undefined;
  readonly ref: string;
  readonly migration: string;
  readonly actor: string;
  readonly result: RunResult;
  /** The `time` of the run's first `started` (else of its result), as the journal has it. */
  readonly time: string;
  /** That time in epoch ms; undefined when it is not an ISO date. */
  readonly startedAt: number | undefined;
  /** When the result was journalled, epoch ms; undefined for an interrupted run. */
  readonly finishedAt: number | undefined;
  /** started → result; undefined without both (no run_id, interrupted, an `unchanged` alone). */
  readonly durationSeconds: number | undefined;
  /** The journal's newest entry is this run's: an interrupted one may still be running. */
  readonly newest: boolean;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an ISO 8601 time with its zone; anything else (local times, prose) is undefined. */
export function parseTime(text: string): number | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

interface Draft {
  first: Release;
  started?: Release;
  result?: Release;
  last: Release;
}

/** The journal's entries (oldest first) as runs, oldest first. */
export function pairRuns(entries: readonly Release[]): JournalRun[] {
  const drafts: Draft[] = [];
  const open = new Map<string, Draft>();
  for (const entry of entries) {
    const id = entry.run_id === '' ? undefined : entry.run_id;
    const isStart = entry.result === 'started';
    if (id === undefined) {
      if (!isStart) drafts.push({ first: entry, result: entry, last: entry });
      continue;
    }
    const current = open.get(id);
    if (current === undefined || (isStart && current.result !== undefined)) {
      const draft: Draft = isStart
        ? { first: entry, started: entry, last: entry }
        : { first: entry, result: entry, last: entry };
      drafts.push(draft);
      open.set(id, draft);
      continue;
    }
    if (isStart) current.started ??= entry;
    else current.result = entry;
    current.last = entry;
  }
  const newest = entries.at(-1);
  return drafts.map((draft) => {
    const shown = draft.result ?? draft.first;
    const time = (draft.started ?? draft.first).time;
    const startedAt = parseTime(time);
    const finishedAt = draft.result === undefined ? undefined : parseTime(draft.result.time);
    const duration =
      draft.started !== undefined && startedAt !== undefined && finishedAt !== undefined
        ? (finishedAt - startedAt) / 1000
        : undefined;
    return {
      runId: shown.run_id === '' ? undefined : shown.run_id,
      action: draft.first.action ?? 'deploy',
      operation: shown.operation,
      ref: shown.ref,
      migration: shown.migration,
      actor: draft.first.actor,
      result: draft.result === undefined ? 'interrupted' : (draft.result.result as ReleaseResult),
      time,
      startedAt,
      finishedAt,
      durationSeconds: duration !== undefined && duration >= 0 ? duration : undefined,
      newest: draft.last === newest,
    };
  });
}

export const isDeploy = (run: JournalRun): boolean => run.action === 'deploy';

/** The refs the lead time may ask the server about: a commit id, 7 to 40 hex digits, nothing else. */
export const COMMIT_REF = /^[0-9a-f]{7,40}$/;

export interface FigureWindow {
  readonly from: number;
  readonly to: number;
}

/** See the module comment: the last 4 weeks, or less when the journal read is younger, at least 1 week. */
export function figureWindow(runs: readonly JournalRun[], now: number): FigureWindow {
  // A clock a little ahead moves the end; a line dated far ahead (a wrong clock, a hand edit) does not
  // drag the whole window into the future.
  const times = runs.flatMap((run) =>
    [run.startedAt, run.finishedAt].filter(
      (time): time is number => time !== undefined && time <= now + DAY_MS,
    ),
  );
  const to = Math.max(now, ...times);
  const oldest = times.length === 0 ? to : Math.min(...times);
  const from = Math.min(Math.max(to - WINDOW_DAYS * DAY_MS, oldest), to - MIN_WINDOW_DAYS * DAY_MS);
  return { from, to };
}

const inWindow = (run: JournalRun, window: FigureWindow) => {
  const at = run.finishedAt ?? run.startedAt;
  return at !== undefined && at >= window.from && at <= window.to;
};

/** Successful deploys whose success was journalled (at a time that is a date) in the window. */
const successfulDeploys = (runs: readonly JournalRun[], window: FigureWindow) =>
  runs.filter(
    (run) =>
      isDeploy(run) && run.result === 'success' && run.finishedAt !== undefined && inWindow(run, window),
  );

/** The distinct commit ids whose commit time the lead time needs (successful deploys in the window). */
export function leadTimeRefs(runs: readonly JournalRun[], now: number): string[] {
  const window = figureWindow(runs, now);
  return [
    ...new Set(
      successfulDeploys(runs, window)
        .map((run) => run.ref)
        .filter((ref) => COMMIT_REF.test(ref)),
    ),
  ];
}

/** $1 the app dir, then the commit ids; one line `<sha> <committer time>` per commit the server has. */
const COMMIT_TIMES_SCRIPT = `dir=$1; shift; exec git -C "$dir" log --no-walk=unsorted --ignore-missing --format='%H %ct' "$@"`;

/** The one remote command that reads every commit's time; a ref that is not a commit id is refused. */
export function commitTimesCommand(appDir: string, refs: readonly string[]): string {
  const bad = refs.find((ref) => !COMMIT_REF.test(ref));
  if (bad !== undefined) throw new Error(`not a commit id (7 to 40 hex digits): ${JSON.stringify(bad)}`);
  if (refs.length === 0) throw new Error('no commit to read');
  return toSshCommand(COMMIT_TIMES_SCRIPT, [appDir, ...refs]);
}

/** Commit id → committer time (epoch seconds), for each ref whose commit the output names. */
export function parseCommitTimes(text: string, refs: readonly string[]): Map<string, number> {
  const commits: [string, number][] = [];
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{40,64}) (\d+)$/.exec(line.trim());
    if (match) commits.push([match[1], Number(match[2])]);
  }
  const times = new Map<string, number>();
  for (const ref of refs) {
    const found = commits.find(([sha]) => sha.startsWith(ref));
    if (found !== undefined) times.set(ref, found[1]);
  }
  return times;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface DeliveryFigures {
  readonly window: FigureWindow;
  readonly weeks: number;
  readonly successfulDeploys: number;
  readonly deploysPerWeek: number;
  readonly leadTime: {
    readonly medianSeconds: number | undefined;
    readonly counted: number;
    /** Refs that are not commit ids: never sent to the server. */
    readonly notACommit: number;
    readonly notOnServer: number;
    /** Why the commit times could not be read (then no deploy is counted). */
    readonly unread: string | undefined;
  };
  readonly changeFailure: {
    /** failed + rolled-back deploys. */
    readonly failed: number;
    /** success + failed + rolled-back deploys. */
    readonly finished: number;
    readonly rate: number | undefined;
    /** Deploys in the window that finished no change, by result: unchanged, cancelled, interrupted. */
    readonly notCounted: Readonly<Partial<Record<RunResult, number>>>;
  };
  readonly restore: {
    readonly medianSeconds: number | undefined;
    /** Failures (streaks of failed or rolled-back deploys) that began in the window and ended. */
    readonly restored: number;
    /** When the failure that is not restored yet began (epoch ms), if one is. */
    readonly openSince: number | undefined;
  };
}

/** The four figures; `commits` is commit id → committer time (s), or why it could not be read. */
export function deliveryFigures(
  runs: readonly JournalRun[],
  now: number,
  commits: ReadonlyMap<string, number> | string,
): DeliveryFigures {
  const window = figureWindow(runs, now);
  const weeks = (window.to - window.from) / (7 * DAY_MS);
  const successes = successfulDeploys(runs, window);

  const leads: number[] = [];
  let notACommit = 0;
  let notOnServer = 0;
  for (const { ref, finishedAt = 0 } of successes) {
    if (!COMMIT_REF.test(ref)) notACommit++;
    else if (typeof commits !== 'string') {
      const committed = commits.get(ref);
      if (committed === undefined) notOnServer++;
      else leads.push((finishedAt - committed * 1000) / 1000);
    }
  }

  const deploys = runs.filter((run) => isDeploy(run) && inWindow(run, window));
  const failed = deploys.filter((run) => run.result === 'failed' || run.result === 'rolled-back').length;
  const notCounted: Partial<Record<RunResult, number>> = {};
  for (const run of deploys)
    if (run.result === 'unchanged' || run.result === 'cancelled' || run.result === 'interrupted')
      notCounted[run.result] = (notCounted[run.result] ?? 0) + 1;
  const finished = failed + successes.length;

  const restores: number[] = [];
  let openSince: number | undefined;
  for (const run of runs) {
    if (run.finishedAt === undefined) continue;
    if (isDeploy(run) && (run.result === 'failed' || run.result === 'rolled-back'))
      openSince ??= run.finishedAt;
    else if (
      openSince !== undefined &&
      run.result === 'success' &&
      (isDeploy(run) || run.action === 'rollback')
    ) {
      if (openSince >= window.from) restores.push((run.finishedAt - openSince) / 1000);
      openSince = undefined;
    }
  }

  return {
    window,
    weeks,
    successfulDeploys: successes.length,
    deploysPerWeek: successes.length / weeks,
    leadTime: {
      medianSeconds: median(leads),
      counted: leads.length,
      notACommit,
      notOnServer,
      unread: typeof commits === 'string' ? commits : undefined,
    },
    changeFailure: { failed, finished, rate: finished === 0 ? undefined : failed / finished, notCounted },
    restore: { medianSeconds: median(restores), restored: restores.length, openSince },
  };
}

/** What action-health reports of the journal: read on one host (the first of a fleet). */
export interface DeliveryHistory {
  readonly host: string;
  /** `<state-dir>/releases.jsonl`. */
  readonly journal: string;
  /** Why it could not be read; then `runs` is empty and there are no figures. */
  readonly error?: string;
  /** The newest HISTORY_RUNS runs, newest first. */
  readonly runs: readonly JournalRun[];
  readonly figures?: DeliveryFigures;
}

export const journalPath = (stateDir: string): string => `${stateDir}/releases.jsonl`;

/** The history and its figures from the journal read now (two remote commands); never throws but a cancel. */
export async function readDeliveryHistory(
  session: RemoteSession,
  connection: Pick<ConnectionSettings, 'appDir' | 'stateDir'>,
  now: () => number = Date.now,
): Promise<DeliveryHistory> {
  const journal = journalPath(connection.stateDir);
  try {
    const runs = pairRuns(await readReleases(session, connection.stateDir, JOURNAL_LINES));
    const refs = leadTimeRefs(runs, now());
    let commits: ReadonlyMap<string, number> | string = new Map();
    if (refs.length > 0) {
      try {
        const text = await session.run(
          commitTimesCommand(connection.appDir, refs),
          'reading commit times for the lead time',
          { echo: 'stderr', timeoutSeconds: 60 },
        );
        commits = parseCommitTimes(text, refs);
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        commits = errorMessage(error);
      }
    }
    return {
      host: session.label,
      journal,
      runs: runs.slice(-HISTORY_RUNS).reverse(),
      figures: deliveryFigures(runs, now(), commits),
    };
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return { host: session.label, journal, error: errorMessage(error), runs: [] };
  }
}

/** `2026-11-28T10:03Z`: UTC, to the minute. */
export function formatUtcMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** 42s, 3m 05s, 2h 03m, 4d 06h; negative (a commit dated after its deploy) keeps its sign. */
export function formatDuration(seconds: number): string {
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  const total = Math.round(seconds);
  const two = (value: number) => String(value).padStart(2, '0');
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${two(total % 60)}s`;
  if (total < 86400) return `${Math.floor(total / 3600)}h ${two(Math.floor((total % 3600) / 60))}m`;
  return `${Math.floor(total / 86400)}d ${two(Math.floor((total % 86400) / 3600))}h`;
}

/** 25%, 33.3%. */
export function formatPercent(rate: number): string {
  return `${Number((rate * 100).toFixed(1))}%`;
}
