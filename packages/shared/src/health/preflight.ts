/**
 * Runbook §1 preflight: the server against the runbook's requirement tables (CPU, memory, disk, OS,
 * Docker, Compose, tools), the `.env` secrets and the TLS certificate. One remote script reads it all
 * in one round trip; secret values never leave the server (the script answers present, empty or
 * missing per name). Also run by action-deploy before a first deployment.
 */
import { CancelledError } from '../errors';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { scriptFailedRow, type CheckResult, type Verdict } from './checks';

export interface PreflightThresholds {
  /** CPU cores (runbook minimum 4). */
  readonly minCpus: number;
  /** Memory in GB (runbook minimum 8). */
  readonly minMemoryGb: number;
  /** Size of the file system holding app-dir in GB (runbook minimum 50). */
  readonly minDiskGb: number;
  /** Docker Engine version, `major.minor` (runbook minimum 24.0). */
  readonly minDockerVersion: string;
  /** Compose version, `major.minor` (runbook minimum 2.20). */
  readonly minComposeVersion: string;
}

/** The runbook §1 table: its minimums (the inputs' defaults) and its recommended values. */
export const RUNBOOK_PREFLIGHT = {
  minimum: {
    minCpus: 4,
    minMemoryGb: 8,
    minDiskGb: 50,
    minDockerVersion: '24.0',
    minComposeVersion: '2.20',
  } satisfies PreflightThresholds,
  recommended: { cpus: 8, memoryGb: 16, diskGb: 100, ubuntu: '24.04' },
  minimumUbuntu: '22.04',
  requiredSecrets: ['DB_PASSWORD', 'JWT_SECRET_KEY', 'ENCRYPTION_KEY'],
} as const;

/** What the preflight needs; action-deploy builds it from its own settings. */
export interface PreflightOptions {
  /** The application's checkout (it may not exist yet before a first deployment). */
  readonly appDir: string;
  /** The env file, relative to appDir (`.env`). */
  readonly envFile: string;
  /** Names (validated as env variable names) that must be set and non-empty in envFile. */
  readonly requiredSecrets: readonly string[];
  /** The TLS certificate, relative to appDir; undefined = not checked. */
  readonly tlsCert: string | undefined;
  readonly thresholds: PreflightThresholds;
  /** `auto` (docker compose, else docker-compose) or the compose command's words. */
  readonly composeCommand: 'auto' | readonly string[];
}

/**
 * Tools the procedures and the actions use on the server. Missing a required one fails (git for
 * every deploy, curl for the health probes and the runbook, flock and timeout for the deploy lock,
 * stat for backups and the lock); the others warn (openssl reads the certificate and makes the
 * runbook's secrets; htop is in the runbook's install line, for people).
 */
export const PREFLIGHT_TOOLS: Readonly<Record<string, 'required' | 'recommended'>> = {
  docker: 'required',
  git: 'required',
  curl: 'required',
  flock: 'required',
  timeout: 'required',
  stat: 'required',
  openssl: 'recommended',
  htop: 'recommended',
};

/** A certificate expiring within this many days warns. */
export const CERT_WARN_DAYS = 14;
/** Memory and disk sizes count as meeting N GB from this share of N: the kernel and the file system keep part. */
export const SIZE_ALLOWANCE = 0.9;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Prints `present`, `empty` or `missing` for the variable `name` in an env file (Compose's dotenv
 * rules: `export ` allowed, the last assignment wins, quotes hold the value, ` #` starts a comment
 * outside quotes). `q` is a single quote (the program is single-quoted in the shell). The value is
 * looked at, never printed.
 */
export const ENV_STATE_AWK = String.raw`
{ line = $0; sub(/\r$/, "", line); sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line)
  if (substr(line, 1, length(name)) != name) next
  rest = substr(line, length(name) + 1)
  if (rest !~ /^[ \t]*=/) next
  sub(/^[ \t]*=/, "", rest)
  if (rest ~ /^[ \t]+#/) rest = ""
  sub(/^[ \t]+/, "", rest)
  c = substr(rest, 1, 1)
  if (c == "\"" || c == q) { rest = substr(rest, 2); e = index(rest, c); value = e ? substr(rest, 1, e - 1) : rest }
  else { value = rest; sub(/[ \t]+#.*$/, "", value); sub(/[ \t]+$/, "", value) }
  state = (value == "") ? "empty" : "present" }
END { print (state == "" ? "missing" : state) }`;

/**
 * $1 app-dir, $2 env-file (relative), $3 tls-cert (relative; empty = not checked), $4 the number of
 * secret names that follow, then the names, then the compose command's words (none = auto).
 * Prints `key<TAB>value...` lines; a secret's value is never printed, only present/empty/missing.
 */
const PREFLIGHT_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
flat() { tr '\\n\\t' '  ' | cut -c1-200; }
app=$1; envfile=$1/$2; cert=$3; k=$4; shift 4
out now "$(date +%s)"
out nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
out memtotal "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>/dev/null)"
d=$app; while [ ! -d "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
out df "$d" "$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $2 " " $4 " " $6 }')"
if [ -r /etc/os-release ]; then
  (ID=; VERSION_ID=; PRETTY_NAME=; . /etc/os-release; out os "$ID" "$VERSION_ID"; out os_name "$PRETTY_NAME")
else
  out os '' ''
fi
for tool in docker git curl flock timeout stat openssl htop; do out tool "$tool" "$(command -v "$tool" 2>/dev/null)"; done
if ! command -v docker >/dev/null 2>&1; then out docker missing
elif v=$(docker version --format '{{.Server.Version}}' 2>&1); then out docker ok "$v"
else out docker error "$(printf '%s' "$v" | tail -n 3 | flat)"; fi
if [ ! -e "$envfile" ]; then out envfile missing
elif [ ! -r "$envfile" ]; then out envfile unreadable
else out envfile present "$(stat -c %a "$envfile" 2>/dev/null)"; fi
while [ "$k" -gt 0 ]; do
  if [ -r "$envfile" ]; then
    # The value is looked at here only, to say whether it is empty; it is never printed.
    state=$(awk -v name="$1" -v q="'" '${ENV_STATE_AWK}' "$envfile" 2>/dev/null) || state=unreadable
  else
    state=missing
  fi
  out secret "$1" "$state"
  shift; k=$((k - 1))
done
if [ $# -eq 0 ]; then
  if v=$(docker compose version --short 2>/dev/null); then out compose 'docker compose' "$v"
  elif v=$(docker-compose version --short 2>/dev/null); then out compose docker-compose "$v"
  else out compose '' ''; fi
elif v=$("$@" version --short 2>/dev/null); then out compose "$*" "$v"
else out compose '' "$*"; fi
if [ -n "$cert" ]; then
  cert=$app/$cert
  if [ ! -e "$cert" ]; then out tls missing
  elif [ ! -r "$cert" ]; then out tls unreadable
  elif ! command -v openssl >/dev/null 2>&1; then out tls no-openssl
  elif ! end=$(openssl x509 -in "$cert" -noout -enddate 2>/dev/null); then out tls unparseable
  elif ! openssl x509 -in "$cert" -noout -checkend 0 >/dev/null 2>&1; then out tls expired "$end"
  elif ! openssl x509 -in "$cert" -noout -checkend "$((${CERT_WARN_DAYS} * 86400))" >/dev/null 2>&1; then out tls expiring "$end"
  else out tls ok "$end"; fi
fi
`;

/** The script's `key<TAB>value<TAB>value` lines, grouped by key. */
export function parseFacts(text: string): Map<string, string[][]> {
  const facts = new Map<string, string[][]>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [key, ...values] = line.split('\t');
    facts.set(key, [...(facts.get(key) ?? []), values.map((value) => value.trim())]);
  }
  return facts;
}

/** Numbers of a version such as `20.10.24+dfsg1`, `v2.24.5-desktop.1` or `1.29.2`; undefined when none. */
export function parseVersion(text: string): number[] | undefined {
  const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim().replace(/^v/, ''));
  if (!match) return undefined;
  return match
    .slice(1)
    .filter((part) => part !== undefined)
    .map(Number);
}

/** Compares versions part by part (a missing part counts as 0). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Below the minimum fails; between minimum and recommended warns; else passes. */
export function gradeAtLeast(value: number, minimum: number, recommended: number): Verdict {
  if (value < minimum) return 'fail';
  if (value < Math.max(minimum, recommended)) return 'warn';
  return 'pass';
}

/** `MemTotal` in kB from /proc/meminfo (or the script's bare number). */
export function parseMemTotalKb(text: string): number | undefined {
  const match = /(?:MemTotal:\s*)?(\d+)(?:\s*kB)?/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

export interface DiskSize {
  readonly sizeKb: number;
  readonly availableKb: number;
  readonly mount: string;
}

/** `df -Pk` output (its last line) or the script's `size avail mount`. */
export function parseDf(text: string): DiskSize | undefined {
  const last = text.trim().split('\n').pop()?.trim().split(/\s+/) ?? [];
  const fields = last.length >= 6 ? [last[1], last[3], last[5]] : last;
  const [size, available, mount] = fields;
  if (!/^\d+$/.test(size ?? '') || !/^\d+$/.test(available ?? '')) return undefined;
  return { sizeKb: Number(size), availableKb: Number(available), mount: mount ?? '?' };
}

export interface OsRelease {
  readonly id: string;
  readonly versionId: string;
  readonly prettyName: string;
}

/** /etc/os-release text (KEY=value, values quoted or not). */
export function parseOsRelease(text: string): OsRelease {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return { id: values.ID ?? '', versionId: values.VERSION_ID ?? '', prettyName: values.PRETTY_NAME ?? '' };
}

/**
 * The runbook asks for Ubuntu 22.04+ (24.04 recommended). An older Ubuntu fails; another
 * distribution warns: it is not what the runbook was written for, but nothing here proves it unfit.
 */
export function gradeOs(os: OsRelease): { value: string; verdict: Verdict } {
  const name = os.prettyName || [os.id, os.versionId].filter((part) => part !== '').join(' ') || 'unknown';
  if (os.id === '') return { value: 'unknown (no /etc/os-release)', verdict: 'warn' };
  if (os.id.toLowerCase() !== 'ubuntu') return { value: `${name} (not Ubuntu)`, verdict: 'warn' };
  const version = parseVersion(os.versionId);
  if (version === undefined) return { value: name, verdict: 'warn' };
  const minimum = parseVersion(RUNBOOK_PREFLIGHT.minimumUbuntu) ?? [];
  const recommended = parseVersion(RUNBOOK_PREFLIGHT.recommended.ubuntu) ?? [];
  if (compareVersions(version, minimum) < 0) return { value: name, verdict: 'fail' };
  if (compareVersions(version, recommended) < 0) return { value: name, verdict: 'warn' };
  return { value: name, verdict: 'pass' };
}

/** A version against a minimum (`major.minor`). */
export function gradeVersion(text: string, minimum: string): Verdict {
  const version = parseVersion(text);
  const wanted = parseVersion(minimum);
  if (version === undefined || wanted === undefined) return 'fail';
  return compareVersions(version, wanted) < 0 ? 'fail' : 'pass';
}

/** `notAfter=May 10 12:00:00 2027 GMT` as a date and the days left from `nowSeconds`. */
export function describeExpiry(enddate: string, nowSeconds: number): string {
  const text = enddate.replace(/^notAfter=/, '').trim();
  const time = Date.parse(text.replace(/\s+/g, ' '));
  if (Number.isNaN(time)) return `expires ${text}`;
  const days = Math.floor((time / 1000 - nowSeconds) / 86400);
  const date = new Date(time).toISOString().slice(0, 10);
  const plural = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
  return days >= 0 ? `expires ${date} (in ${plural(days)})` : `expired ${date} (${plural(-days)} ago)`;
}

const GB = 1e9;
const GIB = 1024 ** 3;
const format = (value: number) => (Math.round(value * 10) / 10).toString();

/** Judges the script's answers; pure, so every row is unit-tested from text. */
export function judgePreflight(host: string, output: string, options: PreflightOptions): CheckResult[] {
  const facts = parseFacts(output);
  const first = (key: string) => facts.get(key)?.[0] ?? [];
  const results: CheckResult[] = [];
  const row = (check: string, value: string, minimum: string, recommended: string, verdict: Verdict) =>
    results.push({
      host,
      check,
      value,
      threshold: recommended === '' ? minimum : `min ${minimum}, recommended ${recommended}`,
      verdict,
      minimum,
      recommended,
    });
  const t = options.thresholds;
  const recommended = RUNBOOK_PREFLIGHT.recommended;

  const cpus = Number(first('nproc')[0]);
  const cpuRecommended = Math.max(t.minCpus, recommended.cpus);
  if (Number.isInteger(cpus) && cpus > 0)
    row(
      'cpu cores',
      String(cpus),
      String(t.minCpus),
      String(cpuRecommended),
      gradeAtLeast(cpus, t.minCpus, cpuRecommended),
    );
  else row('cpu cores', 'unknown (nproc gave nothing)', String(t.minCpus), String(cpuRecommended), 'fail');

  // GB = GiB for memory, as people speak of RAM; MemTotal leaves out what the kernel keeps.
  const memKb = parseMemTotalKb(first('memtotal')[0] ?? '');
  const memRecommended = Math.max(t.minMemoryGb, recommended.memoryGb);
  if (memKb !== undefined) {
    const gib = (memKb * 1024) / GIB;
    row(
      'memory',
      `${format(gib)} GiB`,
      `${t.minMemoryGb} GB`,
      `${memRecommended} GB`,
      gradeAtLeast(gib / SIZE_ALLOWANCE, t.minMemoryGb, memRecommended),
    );
  } else row('memory', 'unknown (no MemTotal)', `${t.minMemoryGb} GB`, `${memRecommended} GB`, 'fail');

  // Disk sizes are decimal GB, as disks are sold; df shows less than the device (file system overhead).
  const [dfPath, dfText] = first('df');
  const disk = parseDf(dfText ?? '');
  const diskRecommended = Math.max(t.minDiskGb, recommended.diskGb);
  if (disk !== undefined) {
    const size = (disk.sizeKb * 1024) / GB;
    row(
      `disk size (${disk.mount})`,
      `${format(size)} GB (${format((disk.availableKb * 1024) / GB)} GB free)`,
      `${t.minDiskGb} GB`,
      `${diskRecommended} GB`,
      gradeAtLeast(size / SIZE_ALLOWANCE, t.minDiskGb, diskRecommended),
    );
  } else
    row(
      'disk size',
      `unknown (df ${dfPath ?? options.appDir} gave nothing)`,
      `${t.minDiskGb} GB`,
      `${diskRecommended} GB`,
      'fail',
    );

  const [osId, osVersion] = first('os');
  const os = gradeOs({ id: osId ?? '', versionId: osVersion ?? '', prettyName: first('os_name')[0] ?? '' });
  row(
    'os',
    os.value,
    `Ubuntu ${RUNBOOK_PREFLIGHT.minimumUbuntu}+`,
    `Ubuntu ${recommended.ubuntu} LTS`,
    os.verdict,
  );

  const [dockerState, dockerText] = first('docker');
  if (dockerState === 'ok')
    row(
      'docker',
      dockerText ?? '',
      `${t.minDockerVersion}+`,
      'latest stable',
      gradeVersion(dockerText ?? '', t.minDockerVersion),
    );
  else
    row(
      'docker',
      dockerState === 'missing'
        ? 'not installed'
        : `engine not reachable: ${dockerText ?? 'no answer'} (is the user in the docker group?)`,
      `${t.minDockerVersion}+`,
      'latest stable',
      'fail',
    );

  const [composeWords, composeVersion] = first('compose');
  if (composeWords)
    row(
      'compose',
      `${composeWords} ${composeVersion}${parseVersion(composeVersion ?? '')?.[0] === 1 ? ' (v1, end of life since 2023)' : ''}`,
      `v${t.minComposeVersion}+`,
      'latest stable',
      gradeVersion(composeVersion ?? '', t.minComposeVersion),
    );
  else
    row(
      'compose',
      options.composeCommand === 'auto'
        ? 'neither "docker compose" nor "docker-compose" answers'
        : `"${composeVersion ?? ''}" does not answer "version --short"`,
      `v${t.minComposeVersion}+`,
      'latest stable',
      'fail',
    );

  const tools = new Map((facts.get('tool') ?? []).map(([name, path]) => [name, path ?? '']));
  for (const [tool, need] of Object.entries(PREFLIGHT_TOOLS)) {
    if (tool === 'docker') continue; // its own row
    const path = tools.get(tool) ?? '';
    row(
      `tool ${tool}`,
      path === '' ? 'not installed' : path,
      need === 'required' ? 'installed' : '',
      need === 'required' ? '' : 'installed',
      path !== '' ? 'pass' : need === 'required' ? 'fail' : 'warn',
    );
  }

  const [envState, envMode] = first('envfile');
  const worldReadable =
    envMode !== undefined && /^[0-7]{3,4}$/.test(envMode) && (Number(envMode.at(-1)) & 4) !== 0;
  row(
    `env-file ${options.envFile}`,
    envState === 'present'
      ? `present${envMode ? `, mode ${envMode}` : ''}${worldReadable ? ' (readable by every user on the server)' : ''}`
      : (envState ?? 'not read'),
    'present',
    'not readable by others',
    envState !== 'present' ? 'fail' : worldReadable ? 'warn' : 'pass',
  );
  const secrets = new Map((facts.get('secret') ?? []).map(([name, state]) => [name, state ?? '']));
  for (const name of options.requiredSecrets) {
    const state = secrets.get(name) ?? 'not read';
    const value =
      state === 'present'
        ? 'present (set, non-empty)'
        : state === 'empty'
          ? 'empty'
          : state === 'missing'
            ? envState === 'present'
              ? `missing from ${options.envFile}`
              : `missing (no readable ${options.envFile})`
            : state;
    row(`secret ${name}`, value, 'set, non-empty', '', state === 'present' ? 'pass' : 'fail');
  }

  if (options.tlsCert !== undefined) {
    const [tlsState, enddate] = first('tls');
    const now = Number(first('now')[0]) || Date.now() / 1000;
    const expiry = enddate === undefined ? '' : describeExpiry(enddate, now);
    const values: Record<string, [string, Verdict]> = {
      ok: [expiry, 'pass'],
      expiring: [`${expiry}: expiring within ${CERT_WARN_DAYS} days`, 'warn'],
      expired: [expiry, 'fail'],
      missing: ['missing', 'fail'],
      unreadable: ['unreadable (permissions)', 'fail'],
      unparseable: ['not a PEM certificate openssl can read', 'fail'],
      'no-openssl': ['present; not verified: openssl is not installed on the server', 'warn'],
    };
    const [value, verdict] = values[tlsState ?? ''] ?? ['not read', 'fail'];
    row(`tls-cert ${options.tlsCert}`, value, 'valid', `valid > ${CERT_WARN_DAYS} days`, verdict);
  }
  return results;
}

/** Builds the argument list of the preflight script (exported for the unit tests). */
export function preflightArgs(options: PreflightOptions): string[] {
  for (const name of options.requiredSecrets) {
    // The inputs validate them; a caller building options by hand is held to the same rule.
    if (!ENV_NAME.test(name)) throw new Error(`not an environment variable name: ${JSON.stringify(name)}`);
  }
  return [
    options.appDir,
    options.envFile,
    options.tlsCert ?? '',
    String(options.requiredSecrets.length),
    ...options.requiredSecrets,
    ...(options.composeCommand === 'auto' ? [] : options.composeCommand),
  ];
}

/**
 * The preflight on one server: one remote script, then a row per item (value, minimum, recommended,
 * verdict). A script that cannot run gives one failing row; a cancelled run throws CancelledError.
 */
export async function preflightChecks(
  session: RemoteSession,
  options: PreflightOptions,
): Promise<CheckResult[]> {
  const result = await session.exec(toSshCommand(PREFLIGHT_SCRIPT, preflightArgs(options)), {
    echo: 'none',
    timeoutSeconds: 120,
  });
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  if (result.outcome.kind !== 'exited' || result.outcome.code !== 0 || result.stdout.trim() === '')
    return [scriptFailedRow(session.label, 'preflight', result, { minimum: 'runs', recommended: '' })];
  return judgePreflight(session.label, result.stdout, options);
}
