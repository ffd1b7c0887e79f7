/**
 * One server or a fleet: the hosts are worked on in batches of `max-parallel`, after the canary (the
 * first host, alone) when `canary` is true. Each host gets its own connection for its own work,
 * opened when its batch starts and closed when its work ends, so connections and memory stay bounded
 * by `max-parallel` however many hosts there are; a fleet behind a jump host shares one connection
 * to it. A host that fails stops any later batch from starting (unless every host is to be checked
 * regardless, as health does); hosts already done stay as they are.
 */
import { setMaxListeners } from 'node:events';
import * as core from '@actions/core';
import { CancelledError, errorMessage, LockTimeoutError } from '../errors';
import type { ConnectionSettings, Endpoint } from '../inputs/connection';
import { outsideHostLog, withHostLabel } from './host-log';
import { Bastion, ConnectError, SshSession } from './session';

/**
 * What became of one host: its work passed or failed, it could not be reached, it never started
 * (an earlier host failed, or the run was cancelled first), or it was cancelled while it ran.
 */
export type HostResult = 'success' | 'failed' | 'unreachable' | 'not started' | 'cancelled';

export interface HostRun<T> {
  readonly host: string;
  readonly result: HostResult;
  readonly seconds: number;
  /** What the host's work returned (it may still say the host failed: see `passed`). */
  readonly value?: T;
  /** Why it failed, was unreachable or did not start. */
  readonly error?: string;
  /** The error itself, for a single host: its run fails as it always did. Not part of reports. */
  readonly cause?: unknown;
}

export interface FleetOptions<T> {
  readonly signal: AbortSignal;
  /** Whether the host's work passed; by default any value that was returned without throwing. */
  readonly passed?: (value: T) => boolean;
  /** Every host is worked on whatever the others gave (health); else a failed host stops later batches. */
  readonly keepGoing?: boolean;
  /** The first host goes alone even without `canary` (a fleet's migration precedes every restart). */
  readonly firstAlone?: boolean;
}

/** The batches hosts are worked on in: the canary alone, then `maxParallel` at a time. */
export function batchesOf<T>(hosts: readonly T[], maxParallel: number, firstAlone: boolean): T[][] {
  const batches: T[][] = [];
  let rest = [...hosts];
  if (firstAlone && rest.length > 1) {
    batches.push([rest[0]]);
    rest = rest.slice(1);
  }
  for (let at = 0; at < rest.length; at += maxParallel) batches.push(rest.slice(at, at + maxParallel));
  return batches;
}

export const isFleet = (connection: ConnectionSettings): boolean => connection.targets.length > 1;

/**
 * Runs `work` on every host of `connection` with a session of its own, as the fleet options say, and
 * tells what became of each. Log lines carry the host's label when there are several.
 */
export async function forEachHost<T>(
  connection: ConnectionSettings,
  options: FleetOptions<T>,
  work: (session: SshSession, index: number) => Promise<T>,
): Promise<HostRun<T>[]> {
  const { signal } = options;
  // Each open session (and the commands it runs) listens to the run's one signal: a batch of 50 is
  // 50 listeners and more, not a leak (closed sessions let go of theirs).
  setMaxListeners(Math.max(10, connection.maxParallel * 4), signal);
  const passed = options.passed ?? (() => true);
  const fleet = isFleet(connection);
  const bastion = connection.jumpHost === undefined ? undefined : new Bastion(connection, { signal });
  const runs: (HostRun<T> | undefined)[] = connection.targets.map(() => undefined);
  const indexed = connection.targets.map((endpoint, index) => ({ endpoint, index }));
  const batches = batchesOf(
    indexed,
    connection.maxParallel,
    fleet && (connection.canary || options.firstAlone === true),
  );
  let stopped: string | undefined;
  try {
    for (const [number, batch] of batches.entries()) {
      if (stopped === undefined && signal.aborted) stopped = 'the run was cancelled';
      if (stopped !== undefined) {
        for (const { endpoint, index } of batch)
          runs[index] = { host: endpoint.label, result: 'not started', seconds: 0, error: stopped };
        continue;
      }
      if (fleet) {
        const names = batch.map(({ endpoint }) => endpoint.label).join(', ');
        core.info(
          number === 0 && connection.canary && batches.length > 1
            ? `canary: ${names}`
            : `batch ${number + 1} of ${batches.length}: ${names}`,
        );
      }
      const done = await Promise.all(
        batch.map(({ endpoint, index }) => {
          const run = () => runOnHost(connection, endpoint, index, bastion, signal, work, passed);
          return fleet ? withHostLabel(endpoint.label, run) : run();
        }),
      );
      for (const [at, run] of done.entries()) runs[batch[at].index] = run;
      const failed = done.filter((run) => run.result !== 'success');
      if (failed.length > 0 && !options.keepGoing && number < batches.length - 1) {
        const later = batches.slice(number + 1).flat().length;
        const names = failed.map((run) => `${run.host} ${run.result}`).join(', ');
        stopped = `${names} before it`;
        core.error(
          `${names}: ${later === 1 ? 'the host after it is not started and stays as it is' : `the ${later} hosts after it are not started and stay as they are`}`,
        );
      }
    }
  } finally {
    bastion?.close();
  }
  return runs.filter((run): run is HostRun<T> => run !== undefined);
}

async function runOnHost<T>(
  connection: ConnectionSettings,
  endpoint: Endpoint,
  index: number,
  bastion: Bastion | undefined,
  signal: AbortSignal,
  work: (session: SshSession, index: number) => Promise<T>,
  passed: (value: T) => boolean,
): Promise<HostRun<T>> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  let session: SshSession;
  try {
    session = await SshSession.open(
      connection,
      endpoint,
      { signal, warn: (message) => core.warning(message) },
      bastion,
    );
    core.info(`connected to ${endpoint.username}@${endpoint.label} in ${Date.now() - started} ms`);
  } catch (error) {
    const cancelled = error instanceof CancelledError || signal.aborted;
    // Said outside the host's log context: the message names the host itself.
    if (isFleet(connection) && !cancelled)
      outsideHostLog(() => core.error(`${endpoint.label} is unreachable: ${errorMessage(error)}`));
    return {
      host: endpoint.label,
      result: cancelled ? 'cancelled' : error instanceof ConnectError ? 'unreachable' : 'failed',
      seconds: seconds(),
      error: errorMessage(error),
      cause: error,
    };
  }
  try {
    const value = await work(session, index);
    return { host: endpoint.label, result: passed(value) ? 'success' : 'failed', seconds: seconds(), value };
  } catch (error) {
    const cancelled = error instanceof CancelledError || signal.aborted;
    if (isFleet(connection) && !cancelled) core.error(errorMessage(error));
    return {
      host: endpoint.label,
      result: cancelled ? 'cancelled' : 'failed',
      seconds: seconds(),
      error: errorMessage(error),
      cause: error,
    };
  } finally {
    session.close();
    // The socket is gone before the next batch opens its own: open connections stay at max-parallel.
    await session.ended(2000);
  }
}

/**
 * A single host's failure is rethrown as it was (the run fails with its own message); a fleet's runs
 * are returned for the caller to report.
 */
export function rethrowSingle<T>(runs: readonly HostRun<T>[]): void {
  if (runs.length === 1 && runs[0].cause !== undefined) throw runs[0].cause;
}

/**
 * The error a fleet's run ends with: a LockTimeoutError when every host that failed found the deploy
 * lock busy (nothing changed there; the terminal CLI exits 3 for it), else an Error.
 */
export function fleetError<T>(message: string, runs: readonly HostRun<T>[]): Error {
  const failed = runs.filter((run) => run.result === 'failed' || run.result === 'unreachable');
  return failed.length > 0 && failed.every((run) => run.cause instanceof LockTimeoutError)
    ? new LockTimeoutError(message)
    : new Error(message);
}

/** The hosts that did not pass, each with why: `a (failed: ...); b (not started)`. */
export function fleetFailures<T>(
  runs: readonly HostRun<T>[],
  why: (value: T) => string | undefined = () => undefined,
): string {
  return runs
    .filter((run) => run.result !== 'success')
    .map((run) => {
      const reason = run.error ?? (run.value === undefined ? undefined : why(run.value));
      return `${run.host} (${run.result}${reason === undefined || run.result === 'not started' ? '' : `: ${reason}`})`;
    })
    .join('; ');
}

/**
 * Work done once, from the first host (a fleet's shared database is migrated from one server):
 * its value, or its error as it was thrown.
 */
export async function onFirstHost<T>(
  connection: ConnectionSettings,
  signal: AbortSignal,
  work: (session: SshSession) => Promise<T>,
): Promise<T> {
  if (isFleet(connection))
    core.info(`${connection.targets.length} hosts given: this runs once, on ${connection.targets[0].label}`);
  const runs = await forEachHost(
    { ...connection, targets: connection.targets.slice(0, 1) },
    { signal },
    work,
  );
  rethrowSingle(runs);
  return runs[0].value as T;
}
