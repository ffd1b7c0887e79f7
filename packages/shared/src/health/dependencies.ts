/**
 * Runbook §7 (and §8's "backup container running"): PostgreSQL (`pg_isready` in its container), Redis
 * (`redis-cli ping`), PostgreSQL connections against `max_connections`, the CPU and memory of the
 * stack's containers (`docker stats --no-stream`) and the backup container's state. One remote script
 * per round; container names travel as arguments. A container that does not exist is reported as
 * absent (a warning), never as a crash.
 */
import { CancelledError } from '../errors';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { scriptFailedRow, type CheckResult, type Verdict } from './checks';
import { parseFacts } from './preflight';

export interface DependencyOptions {
  /** undefined = not checked. */
  readonly postgresContainer: string | undefined;
  readonly redisContainer: string | undefined;
  readonly backupContainer: string | undefined;
}

/** Runbook §7 thresholds, in percent. */
export const CONNECTIONS_WARN = 80;
export const CONNECTIONS_FAIL = 95;
export const CONTAINER_WARN = 70;
export const CONTAINER_FAIL = 90;

const CONNECTIONS_SQL =
  "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), current_setting('max_connections') FROM pg_stat_activity";

/**
 * $1 app-dir, $2 compose file, $3 postgres, $4 redis, $5 backup container (each empty = not checked),
 * $6 the connections query, $7 `auto`, `none` or `words`, then the compose command's words. Prints
 * `key<TAB>value<TAB>value` lines.
 */
const DEPENDENCY_SCRIPT = `
out() { printf '%s\\t%s\\t%s\\n' "$1" "$2" "$3"; }
flat() { tr '\\n\\t' '  ' | cut -c1-300; }
t() { if command -v timeout >/dev/null 2>&1; then timeout 30 "$@"; else "$@"; fi; }
state() {
  if s=$(t docker container inspect --format '{{.State.Status}}' "$1" 2>&1); then echo "$s"; return; fi
  case $s in *"No such"*|*"no such"*) echo absent ;; *) echo "error: $(printf '%s' "$s" | tail -n 2 | flat)" ;; esac
}
app=$1; file=$2; pg=$3; redis=$4; backup=$5; sql=$6; shift 6
# The stack's running containers: by the label Compose (v1 and v2) puts on them, the directory of the
# compose file (one fast docker call); else \`compose ps\` (about a second for v1). For \`auto\`, the
# command as detectCompose finds it, but with \`command -v\` rather than v1's slow \`version\`.
mode=$1; shift
ids=''
if [ "$mode" != none ]; then
  ids=$(t docker ps -q --filter "label=com.docker.compose.project.working_dir=$(dirname "$app/$file")" 2>/dev/null)
  if [ -z "$ids" ] && [ "$mode" = auto ]; then
    if docker compose version >/dev/null 2>&1; then set -- docker compose
    elif command -v docker-compose >/dev/null 2>&1; then set -- docker-compose; fi
  fi
  if [ -z "$ids" ] && [ $# -gt 0 ]; then ids=$(cd "$app" && t "$@" -f "$file" ps -q 2>/dev/null); fi
fi
if [ -n "$ids" ]; then out stack listed; else out stack unlisted; fi
# From here "$@" is the containers to measure: the stack's and the running dependency containers.
set --
for id in $ids; do set -- "$@" "$id"; done
pgs=; rs=; bs=
if [ -n "$pg" ]; then pgs=$(state "$pg"); out pg_state "$pgs"; [ "$pgs" = running ] && set -- "$@" "$pg"; fi
if [ -n "$redis" ]; then rs=$(state "$redis"); out redis_state "$rs"; [ "$rs" = running ] && set -- "$@" "$redis"; fi
if [ -n "$backup" ]; then bs=$(state "$backup"); out backup_state "$bs"; [ "$bs" = running ] && set -- "$@" "$backup"; fi
out nproc "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
out measured $#
# docker stats --no-stream takes about 2 s (it samples twice): measured while the probes run.
tmp=$(mktemp 2>/dev/null) || tmp=/tmp/tt-health-stats.$$
if [ $# -gt 0 ]; then
  {
    t docker stats --no-stream --format '{{.Name}}\t{{.CPUPerc}}\t{{.MemPerc}}' "$@" 2>/dev/null | sed 's/^/stats\t/'
    t docker container inspect --format '{{.Name}}\t{{.HostConfig.NanoCpus}}\t{{.HostConfig.CpuQuota}}\t{{.HostConfig.CpuPeriod}}' "$@" 2>/dev/null | sed 's/^/limits\t/'
  } > "$tmp" &
fi
if [ "$pgs" = running ]; then
  r=$(t docker exec "$pg" pg_isready 2>&1); rc=$?; out pg_ready "$rc" "$(printf '%s' "$r" | flat)"
  r=$(t docker exec -e PGCONNECT_TIMEOUT=5 "$pg" sh -c 'psql -X -U "\${POSTGRES_USER:-postgres}" -d "\${POSTGRES_DB:-\${POSTGRES_USER:-postgres}}" -tAc "$1"' sh "$sql" 2>&1); rc=$?
  out pg_connections "$rc" "$(printf '%s' "$r" | flat)"
fi
if [ "$rs" = running ]; then
  r=$(t docker exec "$redis" sh -c 'if [ -n "\${REDIS_PASSWORD:-}" ]; then REDISCLI_AUTH=$REDIS_PASSWORD; export REDISCLI_AUTH; fi; exec redis-cli ping' 2>&1); rc=$?
  out redis_ping "$rc" "$(printf '%s' "$r" | flat)"
fi
wait
cat "$tmp" 2>/dev/null
rm -f "$tmp"
`;

/** `12.5%` → 12.5; `--` (a container without numbers yet) → undefined. */
export function parsePercent(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Above `failAt` fails, above `warnAt` warns (runbook §7 says "> 80%", so exactly 80 passes). */
export function gradeAbove(value: number, warnAt: number, failAt: number): Verdict {
  if (value > failAt) return 'fail';
  if (value > warnAt) return 'warn';
  return 'pass';
}

/** psql `-tA` output `count|max` → the numbers. */
export function parseConnections(text: string): { used: number; max: number } | undefined {
  const match = /^\s*(\d+)\|(\d+)\s*$/m.exec(text);
  if (!match || Number(match[2]) === 0) return undefined;
  return { used: Number(match[1]), max: Number(match[2]) };
}

export interface ContainerUsage {
  readonly name: string;
  /** Percent of the CPUs the container may use: its limit, else every CPU of the host. */
  readonly cpuPercent: number;
  /** Percent of its memory limit (the host's memory when none), as docker stats reports it. */
  readonly memoryPercent: number;
}

/**
 * docker stats' CPU% counts one core as 100% (up to 100 × the host's CPUs). Runbook §7's 70/90% are
 * read as a share of what the container may use: its CPU limit (NanoCpus, or quota/period), else
 * every CPU of the host.
 */
export function containerUsage(
  stats: readonly string[][],
  limits: readonly string[][],
  hostCpus: number,
): ContainerUsage[] {
  const cpusOf = new Map<string, number>();
  for (const [name, nano, quota, period] of limits) {
    const nanoCpus = Number(nano);
    const cpus =
      nanoCpus > 0
        ? nanoCpus / 1e9
        : Number(quota) > 0 && Number(period) > 0
          ? Number(quota) / Number(period)
          : 0;
    if (cpus > 0) cpusOf.set(name.replace(/^\//, ''), cpus);
  }
  const seen = new Map<string, ContainerUsage>();
  for (const [name, cpu, memory] of stats) {
    const cpuPercent = parsePercent(cpu ?? '');
    const memoryPercent = parsePercent(memory ?? '');
    if (name === undefined || cpuPercent === undefined || memoryPercent === undefined) continue;
    const cpus = cpusOf.get(name) ?? Math.max(1, hostCpus);
    seen.set(name, { name, cpuPercent: cpuPercent / cpus, memoryPercent });
  }
  return [...seen.values()];
}

/** One row from the usage of every container: the highest, and the ones above the warning level. */
export function usageRow(
  usages: readonly ContainerUsage[],
  key: 'cpuPercent' | 'memoryPercent',
): { value: string; verdict: Verdict } {
  if (usages.length === 0) return { value: 'no running container to measure', verdict: 'skip' };
  const sorted = [...usages].sort((a, b) => b[key] - a[key]);
  const top = sorted[0];
  const over = sorted.filter((usage) => usage[key] > CONTAINER_WARN);
  const shown = (usage: ContainerUsage) => `${usage.name} ${usage[key].toFixed(1)}%`;
  const value =
    over.length > 0
      ? `${over.map(shown).join(', ')} (of ${usages.length} containers)`
      : `highest ${shown(top)} (of ${usages.length} containers)`;
  return { value, verdict: gradeAbove(top[key], CONTAINER_WARN, CONTAINER_FAIL) };
}

/** A container's state as a row: running passes, absent warns, anything else fails. */
function stateRow(state: string | undefined): { value: string; verdict: Verdict } {
  if (state === 'running') return { value: 'running', verdict: 'pass' };
  if (state === 'absent') return { value: 'absent (no such container)', verdict: 'warn' };
  return { value: state || 'state unknown', verdict: 'fail' };
}

/** Judges the script's answers; pure, so every row is unit-tested from text. */
export function judgeDependencies(host: string, output: string, options: DependencyOptions): CheckResult[] {
  const facts = parseFacts(output);
  const first = (key: string) => facts.get(key)?.[0] ?? [];
  const results: CheckResult[] = [];
  const add = (check: string, value: string, threshold: string, verdict: Verdict) =>
    results.push({ host, check, value, threshold, verdict });

  if (options.postgresContainer !== undefined) {
    const check = `postgres (${options.postgresContainer})`;
    const state = stateRow(first('pg_state')[0]);
    const [readyCode, readyText] = first('pg_ready');
    if (state.value !== 'running') add(check, state.value, 'pg_isready accepts', state.verdict);
    else
      add(
        check,
        readyText || `pg_isready exited with ${readyCode}`,
        'pg_isready accepts',
        readyCode === '0' ? 'pass' : 'fail',
      );
    const threshold = `warn > ${CONNECTIONS_WARN}%, fail > ${CONNECTIONS_FAIL}% of max_connections`;
    const [connectionsCode, connectionsText] = first('pg_connections');
    const connections = parseConnections(connectionsText ?? '');
    if (state.value !== 'running')
      add('postgres connections', 'not checked: postgres is not running', threshold, 'skip');
    else if (connectionsCode !== '0' || connections === undefined)
      add(
        'postgres connections',
        `could not count them: ${connectionsText || `psql exited with ${connectionsCode}`}`,
        threshold,
        readyCode === '0' ? 'warn' : 'skip',
      );
    else {
      const percent = (connections.used / connections.max) * 100;
      add(
        'postgres connections',
        `${connections.used} of ${connections.max} (${percent.toFixed(0)}%)`,
        threshold,
        gradeAbove(percent, CONNECTIONS_WARN, CONNECTIONS_FAIL),
      );
    }
  }

  if (options.redisContainer !== undefined) {
    const check = `redis (${options.redisContainer})`;
    const state = stateRow(first('redis_state')[0]);
    const [code, text] = first('redis_ping');
    if (state.value !== 'running') add(check, state.value, 'PONG', state.verdict);
    else
      add(
        check,
        text || `redis-cli exited with ${code}`,
        'PONG',
        code === '0' && text === 'PONG' ? 'pass' : 'fail',
      );
  }

  const usages = containerUsage(
    facts.get('stats') ?? [],
    facts.get('limits') ?? [],
    Number(first('nproc')[0]) || 1,
  );
  // docker stats that answered nothing for the containers it was given is a problem, not "nothing to measure".
  const measured = Number(first('measured')[0]) || 0;
  const unanswered =
    measured > 0 && usages.length === 0
      ? { value: `docker stats answered nothing for ${measured} containers`, verdict: 'warn' as const }
      : undefined;
  const cpu = unanswered ?? usageRow(usages, 'cpuPercent');
  const memory = unanswered ?? usageRow(usages, 'memoryPercent');
  const scope =
    first('stack')[0] === 'listed' ? '' : ' (the stack was not listed: dependency containers only)';
  add(
    'container cpu',
    cpu.value + scope,
    `warn > ${CONTAINER_WARN}%, fail > ${CONTAINER_FAIL}%`,
    cpu.verdict,
  );
  add(
    'container memory',
    memory.value + scope,
    `warn > ${CONTAINER_WARN}%, fail > ${CONTAINER_FAIL}%`,
    memory.verdict,
  );

  if (options.backupContainer !== undefined) {
    // Unlike PostgreSQL or Redis (absent: perhaps not run in a container here), the backup container
    // must run (runbook §8): absent fails.
    const state = stateRow(first('backup_state')[0]);
    add(
      `backup container (${options.backupContainer})`,
      state.value,
      'running',
      state.value === 'running' ? 'pass' : 'fail',
    );
  }
  return results;
}

/**
 * The dependency checks on one server. The stack's containers (`compose ps` in appDir with
 * `compose`: its words, or `auto` as the compose-command input) are measured with the running
 * dependency containers; with `compose` undefined, the dependency containers only.
 */
export async function dependencyChecks(
  session: RemoteSession,
  options: DependencyOptions & { readonly appDir: string; readonly composeFile: string },
  compose?: 'auto' | readonly string[],
): Promise<CheckResult[]> {
  const args = [
    options.appDir,
    options.composeFile,
    options.postgresContainer ?? '',
    options.redisContainer ?? '',
    options.backupContainer ?? '',
    CONNECTIONS_SQL,
    ...(compose === undefined ? ['none'] : compose === 'auto' ? ['auto'] : ['words', ...compose]),
  ];
  const result = await session.exec(toSshCommand(DEPENDENCY_SCRIPT, args), {
    echo: 'none',
    timeoutSeconds: 180,
  });
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  if (result.outcome.kind !== 'exited' || result.outcome.code !== 0)
    return [scriptFailedRow(session.label, 'dependencies', result)];
  return judgeDependencies(session.label, result.stdout, options);
}
