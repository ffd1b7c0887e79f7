/**
 * Runbook §8: the newest backup's age and size, and the retention tiers (daily 7, weekly 4,
 * monthly 3) as a report. The list comes from `restore-command --list` (as a full rollback reads it);
 * sizes and times from `stat` inside the backup container when one is set, else on the host.
 */
import { CancelledError } from '../errors';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import type { CheckResult, Verdict } from './checks';
import { parseFacts } from './preflight';

export interface BackupOptions {
  /** Where restore-command runs (as action-rollback runs it). */
  readonly appDir: string;
  /** A validated command prefix; `--list` is appended. */
  readonly restoreCommand: string;
  /** Where the files are (stat runs there); undefined = on the host. */
  readonly backupContainer: string | undefined;
  /** The newest backup older than this warns, older than twice this fails. */
  readonly maxAgeHours: number;
}

/** Runbook §8's retention table. */
export const RETENTION = { daily: 7, weekly: 4, monthly: 3 } as const;
export type Tier = keyof typeof RETENTION;

/**
 * $1 app-dir, $2 restore-command (a validated command prefix, run as rollback runs it), $3 the backup
 * container (empty = the files are on the host). Prints `key<TAB>value` lines: the server's time and
 * UTC offset (for timestamps in names), the listing, and `stat` of every listed absolute path.
 */
const BACKUP_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
t() { if command -v timeout >/dev/null 2>&1; then timeout 60 "$@"; else "$@"; fi; }
app=$1; restore=$2; c=$3
out now "$(date +%s)"
if [ -n "$c" ]; then
  if s=$(t docker container inspect --format '{{.State.Status}}' "$c" 2>&1); then :
  else case $s in *"No such"*|*"no such"*) s=absent ;; *) s="not inspectable: $(printf '%s' "$s" | tail -n 1)" ;; esac; fi
  if [ "$s" != running ]; then out container "$s"; exit 0; fi
  out tz "$(t docker exec "$c" date +%z 2>/dev/null)"
else
  out tz "$(date +%z)"
fi
cd "$app" || exit 3
list=$(eval "$restore --list" </dev/null) || { out list_failed "$?"; exit 0; }
printf '%s\\n' "$list" | sed -n 's/^/file\t/p'
printf '%s\\n' "$list" | awk '{ print $NF }' | grep '^/' | tr '\\n' '\\000' | if [ -n "$c" ]; then
  xargs -0 -r docker exec "$c" stat -c 'stat\t%s\t%Y\t%n' --
else
  xargs -0 -r stat -c 'stat\t%s\t%Y\t%n' --
fi 2>/dev/null
exit 0
`;

export interface BackupEntry {
  readonly path: string;
  readonly tier: Tier | undefined;
  /** Seconds since the epoch from the name's YYYYMMDD_HHMMSS, read in the server's UTC offset. */
  readonly stampSeconds: number | undefined;
}

/** The files of a `restore-command --list` listing: the last word of each line that looks like one. */
export function listedBackups(listing: string): string[] {
  return listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/).pop() ?? '')
    .filter((file) => /\//.test(file) || /\.(sql|gz|dump|bak|zst|xz|bz2)$/.test(file));
}

/** `daily`, `weekly` or `monthly` as a word of the path (`/backups/daily/`, `thinktank_daily_...`). */
export function tierOf(path: string): Tier | undefined {
  const match = /(?:^|[/_.-])(daily|weekly|monthly)(?=[/_.-]|$)/i.exec(path);
  return match ? (match[1].toLowerCase() as Tier) : undefined;
}

/** `+0100` → 3600; anything else → 0 (UTC). */
export function offsetSeconds(text: string): number {
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

/** The `YYYYMMDD_HHMMSS` of a backup's name as seconds since the epoch; undefined when none or not a date. */
export function stampOf(path: string, utcOffsetSeconds = 0): number | undefined {
  const name = path.split('/').pop() ?? path;
  const match = /(?:^|\D)(\d{4})(\d{2})(\d{2})[_-]?(\d{2})(\d{2})(\d{2})(?!\d)/.exec(name);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Date.UTC rolls 20261332 over to a later month: refuse what is not a real date and time.
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  return time / 1000 - utcOffsetSeconds;
}

export function backupEntries(listing: string, utcOffsetSeconds = 0): BackupEntry[] {
  return listedBackups(listing).map((path) => ({
    path,
    tier: tierOf(path),
    stampSeconds: stampOf(path, utcOffsetSeconds),
  }));
}

/** Retention as a report: counts per tier against the runbook; warns only when a tier holds more (pruning broken). */
export function retentionRow(entries: readonly BackupEntry[]): { value: string; verdict: Verdict } {
  const counts = { daily: 0, weekly: 0, monthly: 0, other: 0 };
  for (const entry of entries) counts[entry.tier ?? 'other']++;
  const tiers = (Object.keys(RETENTION) as Tier[]).map(
    (tier) =>
      `${tier} ${counts[tier]}/${RETENTION[tier]}${counts[tier] > RETENTION[tier] ? ' (more than kept: is pruning running?)' : ''}`,
  );
  if (counts.other > 0) tiers.push(`unclassified ${counts.other}`);
  const over = (Object.keys(RETENTION) as Tier[]).some((tier) => counts[tier] > RETENTION[tier]);
  return { value: tiers.join(', '), verdict: over ? 'warn' : 'pass' };
}

/** Hours as people read them. */
export function describeAge(seconds: number): string {
  const hours = seconds / 3600;
  if (hours < 0) return `${(-hours).toFixed(1)} h in the future (clock skew?)`;
  return hours < 48 ? `${hours.toFixed(1)} h old` : `${(hours / 24).toFixed(1)} days old`;
}

export function describeSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Judges the script's answers; pure, so every row is unit-tested from text. */
export function judgeBackups(
  host: string,
  output: string,
  options: BackupOptions,
  listFailure?: string,
): CheckResult[] {
  const facts = parseFacts(output);
  const first = (key: string) => facts.get(key)?.[0] ?? [];
  const maxAge = options.maxAgeHours;
  const ageThreshold = `warn > ${maxAge} h, fail > ${maxAge * 2} h`;
  const results: CheckResult[] = [];
  const add = (check: string, value: string, threshold: string, verdict: Verdict) =>
    results.push({ host, check, value, threshold, verdict });
  const skipRest = (why: string) => {
    add('backup size', why, 'more than 0 bytes', 'skip');
    add('backup retention', why, 'daily 7, weekly 4, monthly 3', 'skip');
  };

  const container = first('container')[0];
  if (container !== undefined) {
    const why = `not listed: the backup container ${options.backupContainer ?? ''} is ${container}`;
    add('newest backup', why, ageThreshold, 'skip');
    skipRest(why);
    return results;
  }
  const failed = first('list_failed')[0];
  if (failed !== undefined || listFailure !== undefined) {
    const why = listFailure ?? `restore-command --list exited with code ${failed}`;
    add('newest backup', why, ageThreshold, 'fail');
    skipRest('not listed');
    return results;
  }
  const now = Number(first('now')[0]) || Date.now() / 1000;
  const entries = backupEntries(
    (facts.get('file') ?? []).map((values) => values.join('\t')).join('\n'),
    offsetSeconds(first('tz')[0] ?? ''),
  );
  if (entries.length === 0) {
    add('newest backup', 'none: restore-command --list names no backup', ageThreshold, 'fail');
    skipRest('no backup listed');
    return results;
  }
  const stats = new Map<string, { size: number; mtime: number }>();
  for (const [size, mtime, ...name] of facts.get('stat') ?? []) {
    if (/^\d+$/.test(size ?? '') && /^\d+$/.test(mtime ?? ''))
      stats.set(name.join('\t'), { size: Number(size), mtime: Number(mtime) });
  }
  // The newest by the name's timestamp (the runbook's naming); without one, by mtime.
  const timeOf = (entry: BackupEntry) => entry.stampSeconds ?? stats.get(entry.path)?.mtime;
  const timed = entries.filter((entry) => timeOf(entry) !== undefined);
  const newest =
    timed.length > 0 ? timed.reduce((a, b) => ((timeOf(b) ?? 0) >= (timeOf(a) ?? 0) ? b : a)) : undefined;
  if (newest === undefined) {
    add(
      'newest backup',
      `${entries.length} listed, none with a timestamp in its name or a readable modification time`,
      ageThreshold,
      'fail',
    );
  } else {
    const age = now - (timeOf(newest) ?? now);
    const source = newest.stampSeconds !== undefined ? 'by its name' : 'by its modification time';
    add(
      'newest backup',
      `${newest.path}, ${describeAge(age)} (${source})`,
      ageThreshold,
      age > maxAge * 2 * 3600 ? 'fail' : age > maxAge * 3600 ? 'warn' : 'pass',
    );
  }
  const sized = newest ?? entries.at(-1);
  const stat = sized === undefined ? undefined : stats.get(sized.path);
  if (stat === undefined)
    add(
      'backup size',
      `unknown: stat found no ${sized?.path ?? 'file'} ${options.backupContainer ? `in ${options.backupContainer}` : 'on the host'}`,
      'more than 0 bytes',
      'warn',
    );
  else
    add(
      'backup size',
      `${describeSize(stat.size)}${stat.size === 0 ? ' (empty: the backup failed)' : ''}`,
      'more than 0 bytes',
      stat.size > 0 ? 'pass' : 'fail',
    );
  const retention = retentionRow(entries);
  add('backup retention', retention.value, 'daily 7, weekly 4, monthly 3', retention.verdict);
  return results;
}

/** The backup checks on one server (one round trip). A cancelled run throws CancelledError. */
export async function backupChecks(session: RemoteSession, options: BackupOptions): Promise<CheckResult[]> {
  const result = await session.exec(
    toSshCommand(BACKUP_SCRIPT, [options.appDir, options.restoreCommand, options.backupContainer ?? '']),
    { echo: 'none', timeoutSeconds: 180 },
  );
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  let failure: string | undefined;
  if (result.outcome.kind !== 'exited' || result.outcome.code !== 0) {
    const why = result.stderrTail.slice(-3).join(' ').trim();
    failure =
      result.outcome.kind === 'exited' && result.outcome.code === 3
        ? `app-dir ${options.appDir} does not exist on the server`
        : `the backup script ${result.outcome.kind === 'exited' ? `exited with code ${result.outcome.code}` : result.outcome.kind}${why ? `: ${why}` : ''}`;
  }
  const facts = parseFacts(result.stdout);
  if (failure === undefined && facts.get('list_failed') !== undefined) {
    const why = result.stderrTail.slice(-3).join(' ').trim();
    failure = `restore-command --list exited with code ${facts.get('list_failed')?.[0]?.[0] ?? '?'}${why ? `: ${why}` : ''}`;
  }
  return judgeBackups(session.label, result.stdout, options, failure);
}
