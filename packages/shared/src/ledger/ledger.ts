/**
 * The release ledger: `<state-dir>/releases.jsonl`, one JSON object per line, appended after every
 * deploy, migration-only run and rollback (contract: "State on the server").
 */
import { toSshCommand } from '../shell';
import type { SshSession } from '../ssh/session';

export type ReleaseResult = 'success' | 'failed' | 'rolled-back' | 'unchanged';

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
  readonly result: ReleaseResult;
  /** Not in the contract's list, added: what the entry is (deploy, rollback, migrate). */
  readonly action?: string;
  /** The backup taken before a migration or a restore, where one was. */
  readonly backup?: string;
}

/** $1 state dir, $2 the line; appended with one write, so a reader never sees half a line. */
const APPEND_SCRIPT = `mkdir -p -- "$1" && printf '%s\\n' "$2" >> "$1/releases.jsonl"`;
const READ_SCRIPT = `if [ -f "$1/releases.jsonl" ]; then tail -n "$2" "$1/releases.jsonl"; fi`;

export async function appendRelease(session: SshSession, stateDir: string, release: Release): Promise<void> {
  await session.run(
    toSshCommand(APPEND_SCRIPT, [stateDir, JSON.stringify(release)]),
    'appending to the release ledger',
    {
      echo: 'stderr',
      timeoutSeconds: 60,
    },
  );
}

/** The newest `count` entries, oldest first; lines that are not JSON are skipped. */
export async function readReleases(session: SshSession, stateDir: string, count = 200): Promise<Release[]> {
  const text = await session.run(
    toSshCommand(READ_SCRIPT, [stateDir, String(count)]),
    'reading the release ledger',
    {
      echo: 'stderr',
      timeoutSeconds: 60,
    },
  );
  const releases: Release[] = [];
  for (const line of text.split('\n')) {
    try {
      if (line.trim() !== '') releases.push(JSON.parse(line) as Release);
    } catch {
      // A torn or hand-edited line: skip it rather than refuse to deploy.
    }
  }
  return releases;
}
