/**
 * The release ledger: `<state-dir>/releases.jsonl`, one JSON object per line (contract: "State on
 * the server"). It is a journal, not a belief: a run appends `started` before its first change and
 * its result after, so a `started` with no result marks a run that was interrupted. Nothing decides
 * what runs from it; the live state does.
 */
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';

export type ReleaseResult = 'success' | 'failed' | 'rolled-back' | 'unchanged' | 'cancelled';
export type JournalResult = ReleaseResult | 'started';

export interface Release {
  readonly time: string;
  readonly environment: string;
  readonly ref: string;
  readonly image_tag: string;
  readonly previous_ref: string;
  /** e.g. "abc123 -> def456", or "" when no migration ran. */
  readonly migration: string;
  readonly actor: string;
  readonly run_url: string;
  readonly result: JournalResult;
  /** The run (GITHUB_RUN_ID, or local-<pid>) that wrote it; pairs `started` with its result. */
  readonly run_id?: string;
  /** Not in the contract's list, added: what the entry is (deploy, rollback, migrate, ops). */
  readonly action?: string;
  /**
   * For `action` ops: the emergency operation and what it worked on, as a person reads it
   * ("restart gateway", "scale worker=2", "recover-database"); its first word is the operation.
   */
  readonly operation?: string;
  /** The backup taken before a migration, or the one a full rollback or recover-database restores. */
  readonly backup?: string;
  /** The emergency backup a full rollback or recover-database took of the database it replaced (never `latest`). */
  readonly emergency_backup?: string;
  /**
   * Backups `latest` must never pick that the run found: every backup that appeared while it took an
   * emergency backup, and one whose restore failed.
   */
  readonly untrusted_backups?: readonly string[];
}

/** $1 state dir, $2 the line; appended with one write, so a reader never sees half a line. */
const APPEND_SCRIPT = `mkdir -p -- "$1" && printf '%s\\n' "$2" >> "$1/releases.jsonl"`;
const READ_SCRIPT = `if [ -f "$1/releases.jsonl" ]; then tail -n "$2" "$1/releases.jsonl"; fi`;

export async function appendRelease(
  session: RemoteSession,
  stateDir: string,
  release: Release,
): Promise<void> {
  await session.run(
    toSshCommand(APPEND_SCRIPT, [stateDir, JSON.stringify(release)]),
    'appending to the release ledger',
    // A cancelled run still records that it was cancelled, before it lets go of the lock.
    { echo: 'stderr', timeoutSeconds: 60, keepOnCancel: release.result === 'cancelled' },
  );
}

/** The newest `count` entries, oldest first; lines that are not JSON are skipped. */
export async function readReleases(
  session: RemoteSession,
  stateDir: string,
  count = 200,
): Promise<Release[]> {
  const text = await session.run(
    toSshCommand(READ_SCRIPT, [stateDir, String(count)]),
    'reading the release ledger',
    {
      echo: 'stderr',
      timeoutSeconds: 60,
    },
  );
  return parseReleases(text);
}

export function parseReleases(text: string): Release[] {
  const releases: Release[] = [];
  for (const line of text.split('\n')) {
    try {
      const entry = (line.trim() === '' ? undefined : JSON.parse(line)) as unknown;
      if (isRelease(entry)) releases.push(entry);
    } catch {
      // A torn or hand-edited line: skip it rather than refuse to deploy.
    }
  }
  return releases;
}

const RESULTS: readonly string[] = ['success', 'failed', 'rolled-back', 'unchanged', 'cancelled', 'started'];
const TEXT_FIELDS = [
  'time',
  'environment',
  'ref',
  'image_tag',
  'previous_ref',
  'migration',
  'actor',
  'run_url',
];

/** A ledger line of the shape this module writes; anything else (hand-edited, torn) is skipped. */
function isRelease(entry: unknown): entry is Release {
  if (typeof entry !== 'object' || entry === null) return false;
  const fields = entry as Record<string, unknown>;
  return (
    TEXT_FIELDS.every((field) => typeof fields[field] === 'string') &&
    typeof fields.result === 'string' &&
    RESULTS.includes(fields.result) &&
    ['run_id', 'action', 'operation', 'backup', 'emergency_backup'].every(
      (field) => fields[field] === undefined || typeof fields[field] === 'string',
    ) &&
    (fields.untrusted_backups === undefined ||
      (Array.isArray(fields.untrusted_backups) &&
        fields.untrusted_backups.every((backup) => typeof backup === 'string')))
  );
}

/** Results that say a release ended well. */
export const GOOD_RESULTS: readonly JournalResult[] = ['success', 'unchanged'];

/**
 * The entries that put a release in place (deploys, rollbacks, migrations), without the emergency
 * operations (`action` ops), which work on whatever runs and never make it a release to go back to.
 */
export function releasesOnly(releases: readonly Release[]): Release[] {
  return releases.filter((release) => release.action !== 'ops');
}

/**
 * Runs since the newest one that ended well whose journal ends in `started` (interrupted: no result)
 * or `cancelled`, oldest first: what the next run reports before it converges.
 */
export function interruptedRuns(releases: readonly Release[]): Release[] {
  const last = new Map<string, Release>();
  for (const release of releases) {
    // An emergency operation that went well converges nothing: what an earlier run left stays to report.
    if (
      release.action !== 'ops' &&
      (GOOD_RESULTS.includes(release.result) || release.result === 'rolled-back')
    )
      last.clear();
    else if (release.run_id !== undefined) {
      last.delete(release.run_id);
      last.set(release.run_id, release);
    }
  }
  return [...last.values()].filter(
    (release) => release.result === 'started' || release.result === 'cancelled',
  );
}

/** What an entry's run was doing: "deploying", "rolling back to", "running restart gateway on". */
function doing(release: Release): string {
  if (release.action === 'rollback') return 'rolling back to';
  if (release.action === 'ops') return `running ${release.operation ?? 'an emergency operation'} on`;
  return 'deploying';
}

/** "run 123 by alice, deploying abc123def456, was interrupted at 2026-11-28T10:03:00Z". */
export function describeInterrupted(release: Release): string {
  return (
    `run ${release.run_id ?? '?'} by ${release.actor}, ${doing(release)} ` +
    `${release.ref.slice(0, 12)}, ${release.result === 'cancelled' ? 'was cancelled' : 'was interrupted'} ` +
    `(${release.result === 'cancelled' ? 'at' : 'started'} ${release.time}${release.run_url ? `, ${release.run_url}` : ''})`
  );
}
