/**
 * Runbook §9 on failure: what the troubleshooting guide has a person collect when a service fails
 * (its last log lines, its container state, the stack's Docker events of the last 10 minutes, and the
 * answer of a failed health probe), gathered in one remote command and reported three ways: the job
 * summary, the log (inside a command fence) and a folder for a workflow artifact. Everything is
 * bounded, secrets are masked, and nothing in it can act as a workflow command.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { Compose } from '../compose/compose';
import type { ComposePlace } from '../compose/rollout';
import { CancelledError } from '../errors';
import type { HttpAnswer } from '../health/checks';
import { toSshCommand } from '../shell';
import { CommandFence, inert, stdoutSink } from '../ssh/output';
import type { RemoteSession } from '../ssh/session';
import { escapeHtml } from '../summary/markdown';
import { maskedValues } from '../workflow-commands';

/** Runbook §9: `logs --tail=50`, `docker events --since 10m`. */
export const LOG_LINES = 50;
const EVENTS_SINCE = '10m';
const EVENT_LINES = 100;
const LINE_CHARS = 2000;
/** The whole report, in the summary and the artifact. */
export const DIAGNOSTICS_LIMIT = 64 * 1024;
const MARK = '@@tt:';

export interface ContainerDiagnostics {
  readonly name: string;
  /** `docker inspect` .State as JSON. */
  readonly state: string;
  readonly logs: string;
}

export interface ServiceDiagnostics {
  readonly service: string;
  readonly containers: readonly ContainerDiagnostics[];
  /** Log lines kept from a container that is gone now (a start-first container that failed its gate). */
  readonly earlierLogs?: string;
}

export interface Diagnostics {
  readonly host: string;
  readonly reason: string;
  readonly services: readonly ServiceDiagnostics[];
  readonly events: string;
  readonly probe?: { readonly url: string; readonly answer: string };
  /** Why something could not be collected. */
  readonly problems: readonly string[];
}

export interface DiagnosticsRequest {
  readonly reason: string;
  readonly services: readonly string[];
  /** Log lines read earlier, per service, from containers that may be gone now. */
  readonly earlierLogs?: Readonly<Record<string, string>>;
  readonly probe?: { readonly url: string; readonly answer: HttpAnswer };
}

/**
 * A shell function: `mask FILE...` copies stdin to stdout with every value (4 characters or more) of
 * the env files named (`NAME=value` lines; app-dir's .env, the compose project's .env) replaced by ***,
 * so the secrets they hold never leave the server in a log line. Files that are missing are skipped.
 */
export const MASK_FUNCTION = `
mask() {
  MASK_VALUES=$(cat -- "$@" 2>/dev/null) awk '
    BEGIN {
      q = sprintf("%c", 39)
      n = split(ENVIRON["MASK_VALUES"], lines, "\\n")
      for (i = 1; i <= n; i++) {
        line = lines[i]
        sub(/\\r$/, "", line); sub(/^[ \\t]*(export[ \\t]+)?/, "", line)
        if (line !~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue
        v = substr(line, index(line, "=") + 1)
        f = substr(v, 1, 1); l = substr(v, length(v), 1)
        if (length(v) >= 2 && f == l && (f == "\\"" || f == q)) v = substr(v, 2, length(v) - 2)
        if (length(v) >= 4) values[++m] = v
      }
    }
    {
      out = $0
      for (i = 1; i <= m; i++) {
        done = ""
        while ((p = index(out, values[i])) > 0) {
          done = done substr(out, 1, p - 1) "***"
          out = substr(out, p + length(values[i]))
        }
        out = done out
      }
      print out
    }'
}`;

/** The env files whose values `mask` hides: app-dir's `.env` and the compose project directory's. */
export function envFilesOf(place: ComposePlace): string[] {
  const projectDir = place.composeFile.includes('/')
    ? place.composeFile.slice(0, place.composeFile.lastIndexOf('/'))
    : '.';
  return [`${place.appDir}/.env`, `${place.appDir}/${projectDir}/.env`];
}

/**
 * $1 app dir, $2 compose file, $3 log lines, $4 events since, $5 services (one per line), then the
 * compose command words. Each part follows a `@@tt:` line; every line of a part is printed behind '|',
 * so no container output can pose as a marker.
 */
const DIAGNOSTICS_SCRIPT = `${MASK_FUNCTION}
cd "$1" || { echo "${MARK}problem"; echo "|app-dir $1 is missing"; exit 0; }
file=$2 lines=$3 since=$4 services=$5 env1=$6 env2=$7
shift 7
collect() {
project=
for service in $services; do
  ids=$("$@" -f "$file" ps -a -q "$service" 2>/dev/null | grep -E '^[0-9a-f]{12,64}$')
  printf '${MARK}service %s\\n' "$service"
  for id in $ids; do
    printf '${MARK}container %s\\n' "$(docker inspect --format '{{.Name}}' "$id" 2>/dev/null | cut -c2-)"
    docker inspect --format '{{json .State}}' "$id" 2>&1 | sed 's/^/|/'
    printf '${MARK}logs\\n'
    docker logs --tail "$lines" --timestamps "$id" 2>&1 | cut -c1-${LINE_CHARS} | sed 's/^/|/'
    [ -n "$project" ] || project=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' "$id" 2>/dev/null)
  done
done
[ -n "$project" ] || project=$("$@" -f "$file" ps -q 2>/dev/null | head -n 1 | xargs -r docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' 2>/dev/null)
printf '${MARK}events\\n'
if [ -n "$project" ]; then
  # Lifecycle events only: the healthchecks' exec_* events would fill the tail every second.
  timeout 30 docker events --since "$since" --until "$(date +%s)" --filter type=container \\
    --filter "label=com.docker.compose.project=$project" \\
    --filter event=create --filter event=start --filter event=restart --filter event=die \\
    --filter event=kill --filter event=oom --filter event=stop --filter event=health_status \\
    --filter event=destroy \\
    --format '{{.Time}} {{.Action}} {{index .Actor.Attributes "name"}} {{index .Actor.Attributes "exitCode"}}' 2>&1 |
    tail -n ${EVENT_LINES} | cut -c1-${LINE_CHARS} | sed 's/^/|/'
else
  echo '|(no container of the stack found: no events to filter)'
fi
printf '${MARK}end\\n'
}
collect "$@" | mask "$env1" "$env2"
`;

/** Parses the script's output into the services' containers and the events. */
export function parseDiagnostics(text: string): Pick<Diagnostics, 'services' | 'events' | 'problems'> {
  const services: { service: string; containers: { name: string; state: string[]; logs: string[] }[] }[] = [];
  const events: string[] = [];
  const problems: string[] = [];
  let into: string[] | undefined;
  let complete = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('|')) {
      into?.push(line.slice(1));
      continue;
    }
    if (!line.startsWith(MARK)) continue;
    const [part, ...rest] = line.slice(MARK.length).split(' ');
    const name = rest.join(' ');
    const service = services[services.length - 1];
    const container = service?.containers[service.containers.length - 1];
    if (part === 'service') {
      services.push({ service: name, containers: [] });
      into = undefined;
    } else if (part === 'container' && service !== undefined) {
      service.containers.push({ name, state: [], logs: [] });
      into = service.containers[service.containers.length - 1].state;
    } else if (part === 'logs' && container !== undefined) into = container.logs;
    else if (part === 'events') into = events;
    else if (part === 'problem') into = problems;
    else if (part === 'end') complete = true;
  }
  if (!complete) problems.push('the collection did not finish (its output ends early)');
  return {
    services: services.map(({ service, containers }) => ({
      service,
      containers: containers.map((c) => ({
        name: c.name,
        state: c.state.join('\n'),
        logs: c.logs.join('\n'),
      })),
    })),
    events: events.join('\n'),
    problems,
  };
}

/** Collects what runbook §9 asks for about `services`; never throws except for a cancel. */
export async function collectDiagnostics(
  session: RemoteSession,
  compose: Compose,
  place: ComposePlace,
  request: DiagnosticsRequest,
): Promise<Diagnostics> {
  const base = {
    host: session.label,
    reason: request.reason,
    ...(request.probe
      ? {
          probe: {
            url: request.probe.url,
            answer:
              request.probe.answer.status === 0
                ? `no answer (${request.probe.answer.error ?? 'unknown'})`
                : `HTTP ${request.probe.answer.status}\n${request.probe.answer.body.slice(0, 4096)}`,
          },
        }
      : {}),
  };
  const withEarlier = (services: readonly ServiceDiagnostics[]) =>
    services.map((entry) => {
      const earlier = request.earlierLogs?.[entry.service];
      return earlier ? { ...entry, earlierLogs: earlier } : entry;
    });
  if (session.lost !== undefined)
    return {
      ...base,
      services: withEarlier(request.services.map((service) => ({ service, containers: [] }))),
      events: '',
      problems: [`not collected: the connection is lost (${session.lost})`],
    };
  const result = await session.exec(
    toSshCommand(DIAGNOSTICS_SCRIPT, [
      place.appDir,
      place.composeFile,
      String(LOG_LINES),
      EVENTS_SINCE,
      request.services.join('\n'),
      ...envFilesOf(place),
      ...compose.command,
    ]),
    { echo: 'none', timeoutSeconds: 90, maxBytes: 4 * 1024 * 1024 },
  );
  if (result.outcome.kind === 'cancelled') throw new CancelledError('signal');
  const parsed = parseDiagnostics(result.stdout);
  return { ...base, ...parsed, services: withEarlier(parsed.services) };
}

/**
 * Masks what must never be shown: every value the action masked (keys, passwords, tokens), PEM
 * private keys, credentials in URLs, and the values of settings whose names say they are secret.
 */
export function redact(text: string, secrets: Iterable<string> = maskedValues()): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= 4) out = out.split(secret).join('***');
  return out
    .replace(
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
      '***private key***',
    )
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@]+@/gi, '$1***@')
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***')
    .replace(
      /\b([A-Za-z0-9_.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|encryption[_-]?key|credentials?)[A-Za-z0-9_.-]*)(["']?\s*[=:]\s*["']?)[^\s"',;&]+/gi,
      '$1$2***',
    );
}

/** The report as text: what is in the log and the artifact. */
export function diagnosticsText(diagnostics: Diagnostics): string {
  const parts = [`Diagnostics from ${diagnostics.host}: ${diagnostics.reason}`];
  for (const problem of diagnostics.problems) parts.push(`(${problem})`);
  if (diagnostics.probe) parts.push(`--- health probe ${diagnostics.probe.url}\n${diagnostics.probe.answer}`);
  for (const service of diagnostics.services) {
    if (service.containers.length === 0) parts.push(`--- ${service.service}: no container`);
    for (const container of service.containers)
      parts.push(
        `--- ${service.service}: container ${container.name}\nstate: ${container.state}\nlast ${LOG_LINES} log lines:\n${container.logs || '(none)'}`,
      );
    if (service.earlierLogs)
      parts.push(`--- ${service.service}: log lines of a container removed since\n${service.earlierLogs}`);
  }
  parts.push(`--- Docker events of the stack, last ${EVENTS_SINCE}\n${diagnostics.events || '(none)'}`);
  // Inert in every form (log, summary, artifact), so the three read the same.
  const text = inert(redact(parts.join('\n\n')));
  return text.length <= DIAGNOSTICS_LIMIT
    ? text
    : `${text.slice(0, DIAGNOSTICS_LIMIT)}\n…(cut at ${DIAGNOSTICS_LIMIT} characters)`;
}

/** The report for the job summary: a collapsed section, every character escaped, in a <pre>. */
export function diagnosticsMarkdown(diagnostics: Diagnostics): string {
  return (
    `\n<details><summary>Diagnostics (${escapeHtml(diagnostics.host)}: ${escapeHtml(diagnostics.reason.slice(0, 200))})</summary>\n\n` +
    `<pre>${escapeHtml(diagnosticsText(diagnostics))}</pre>\n\n</details>\n`
  );
}

/**
 * Reports the diagnostics: in the log inside a command fence, in the job summary, and as files in
 * `RUNNER_TEMP` (the workflows upload the folder named by the `diagnostics` output as an artifact).
 */
export async function reportDiagnostics(diagnostics: readonly Diagnostics[], action: string): Promise<void> {
  if (diagnostics.length === 0) return;
  const fence = new CommandFence(stdoutSink);
  for (const entry of diagnostics) for (const line of diagnosticsText(entry).split('\n')) fence.line(line);
  fence.close();
  await core.summary.addRaw(diagnostics.map(diagnosticsMarkdown).join('')).write();
  const root = process.env.RUNNER_TEMP;
  if (root === undefined || root === '') return;
  const folder = join(root, `thinktank-diagnostics-${action}-${process.env.GITHUB_RUN_ID ?? process.pid}`);
  mkdirSync(folder, { recursive: true });
  diagnostics.forEach((entry, index) =>
    writeFileSync(
      join(folder, `${index + 1}-${entry.host.replace(/[^A-Za-z0-9._-]/g, '_')}.txt`),
      `${diagnosticsText(entry)}\n`,
    ),
  );
  core.setOutput('diagnostics', folder);
}
