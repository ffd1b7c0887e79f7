/**
 * What runs on the server, read in one remote command: the checkout, the target commit (after a
 * fetch), each container of the stack (image, state, health, restarts, start time), the local
 * images the target release names, the ledger's tail, and where migrations are configured the
 * database's revision and the target's migration heads. The planner decides from this alone.
 */
import { parse as parseYaml } from 'yaml';
import {
  composeMissing,
  INSPECT_FORMAT,
  parseInspect,
  replicasOf,
  runtimeInputs,
  stackServices,
  startFirstBlockers,
  type Compose,
  type ContainerState,
} from '../compose/compose';
import { refCandidates } from '../git/git';
import { parseReleases, type Release } from '../ledger/ledger';
import { parseRevisions } from '../migrate/alembic';
import { toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { inert } from '../ssh/output';

export interface LiveState {
  /** The commit checked out in app-dir. */
  readonly head: string;
  /** The requested ref resolved after the fetch; '' when it names nothing. */
  readonly target: string;
  readonly compose: Compose;
  /** IMAGE_TAG of the target release. */
  readonly imageTag: string;
  /** Every service of the stack (profiled one-shot tools left out) and the image it names for the target. */
  readonly targetImages: Readonly<Record<string, string>>;
  /**
   * Services whose configuration uses IMAGE_TAG in their image reference only: one running the
   * target's image id under another tag of the same repository runs what the target would run.
   */
  readonly tagOnlyInImage: readonly string[];
  /**
   * Files changed in git between each release the containers run (by the sha12 of their git-<sha12>
   * tag) and the target; undefined where that commit is not known here.
   */
  readonly releaseChanges: Readonly<Record<string, readonly string[] | undefined>>;
  /** Files each service reads at run time from the checkout (env_file, bind mounts), repo-relative. */
  readonly runtimeInputs: Readonly<Record<string, readonly string[]>>;
  /** How many containers each service is configured to run (see replicasOf). */
  readonly replicas: Readonly<Record<string, number>>;
  /** Why a service could not run a second container beside the first (see startFirstBlockers). */
  readonly startFirstBlockers: Readonly<Record<string, string>>;
  /** Local image id by normalised reference (`repo:tag`); a reference absent here is not on the server. */
  readonly localImages: Readonly<Record<string, string>>;
  /** The stack's containers (one-off `run` containers left out). */
  readonly containers: readonly ContainerState[];
  readonly releases: readonly Release[];
  /** The database's alembic revision(s), joined by ','; undefined when not read or unreadable. */
  readonly dbRevision: string | undefined;
  /** Why the revision could not be read, when it was asked for. */
  readonly dbRevisionProblem: string | undefined;
  /** The target commit's migration graph; undefined when migrations are not considered. */
  readonly migrations: MigrationGraph | undefined;
  /** The compose file differs between the checkout and the target (so settings may change too). */
  readonly composeFileChanged: boolean;
  /** The server's clock (seconds since the epoch), to judge how recently a container restarted. */
  readonly serverTime: number;
}

export interface MigrationGraph {
  readonly heads: readonly string[];
  readonly revisions: readonly string[];
}

export interface LiveStateRequest {
  readonly appDir: string;
  readonly composeFile: string;
  /** 'auto' or the command words. */
  readonly composeCommand: 'auto' | readonly string[];
  readonly remote: string;
  readonly ref: string;
  /** Given image tag; undefined = `git-<sha12>` of the target. */
  readonly imageTag: string | undefined;
  readonly stateDir: string;
  /** Migrations path to read the target's heads from; undefined = migrations not considered. */
  readonly migrationsPath: string | undefined;
  /** Shell text that prints `alembic current` (run in app-dir); undefined = not read. */
  readonly alembicCurrent: string | undefined;
  /** Whether to `git fetch` first (a rollback to a known commit needs none). */
  readonly fetch: boolean;
}

const LEDGER_TAIL = 200;
/**
 * The configuration is rendered once with this as IMAGE_TAG: put the target's tag in its place and
 * it is the target's configuration; where else it appears shows what else IMAGE_TAG sets.
 */
const IMAGE_TAG_SENTINEL = 'tt-image-tag-sentinel-0f3b9c';
const MARK = '@@tt:';

/**
 * $1 app dir, $2 compose file, $3 remote ('' = no fetch), $4 ref candidates (one per line), $5 image
 * tag ('' = git-<sha12>), $6 state dir, $7 ledger lines, $8 migrations path ('' = skip), $9 shell text
 * for `alembic current` ('' = skip), then the compose command words ('auto' = detect). Each part is
 * printed after a `@@tt:<name>` line; the slow ones (compose, alembic) run side by side.
 */
const LIVE_STATE_SCRIPT = `
cd "$1" || { echo "${MARK}error"; echo "|app-dir $1 is missing or not readable"; exit 0; }
file=$2 remote=$3 candidates=$4 tag=$5 state=$6 tail_n=$7 mpath=$8 current=$9
shift 9
changed=no v= sha=
part() { printf '\\n${MARK}%s\\n' "$1"; }
# Every line of a part's body is printed behind '|', so no text from the server (a ledger line, a
# log line) can pose as a part marker.
body() { sed 's/^/|/'; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 143' TERM INT HUP
# Which compose: the v2 plugin answers at once where it exists; its version is asked below, beside
# the other compose reads, so the slow v1 start-up is paid once, not three times in a row.
if [ "$1" = auto ]; then
  if docker compose version >/dev/null 2>&1; then set -- docker compose
  elif command -v docker-compose >/dev/null 2>&1; then set -- docker-compose
  fi
fi
# alembic current (in a running container of the migrate service, or on the host) beside the rest.
if [ -n "$current" ]; then { (eval "$current"); echo "exit=$?"; } >"$tmp/current" 2>&1 & fi
if [ -n "$remote" ]; then
  # No gc or maintenance spawned in the background: nothing of this run outlives its commands.
  git -c advice.detachedHead=false -c gc.auto=0 -c maintenance.auto=false fetch --prune --tags --force --quiet --end-of-options "$remote" >"$tmp/fetch" 2>&1
  rc=$?; part fetch; { tail -n 5 "$tmp/fetch"; echo "exit=$rc"; } | body
fi
part head; git rev-parse --verify --quiet 'HEAD^{commit}' | body
sha=
old_ifs=$IFS; IFS='
'
for candidate in $candidates; do
  sha=$(git rev-parse --verify --quiet --end-of-options "$candidate" 2>/dev/null) && break
  sha=
done
IFS=$old_ifs
part target; echo "$sha" | body
[ -n "$tag" ] || tag="git-$(printf '%.12s' "$sha")"
part tag; echo "$tag" | body
if [ "$1" != auto ]; then
  # ps -a lists stopped containers on v1 and v2; one-off run containers are left out by label later.
  # The target's compose file, where it differs from the checkout's: the images and services it names.
  # When its files (a new build dir, env file or extends) are not in the checkout yet, compose cannot
  # read it: the checkout's configuration is used, and every listed service is recreated.
  config_file=$file
  if [ -n "$sha" ] && ! git diff --quiet HEAD "$sha" -- "$file" 2>/dev/null; then
    changed=yes
    git show "$sha:./$file" >"$tmp/target-compose.yaml" 2>/dev/null && config_file=$tmp/target-compose.yaml
  fi
  {
    IMAGE_TAG=${IMAGE_TAG_SENTINEL} "$@" --project-directory "$(dirname "$file")" -f "$config_file" config >"$tmp/config" 2>"$tmp/config.err" ||
      { [ "$config_file" != "$file" ] && IMAGE_TAG=${IMAGE_TAG_SENTINEL} "$@" -f "$file" config >"$tmp/config" 2>"$tmp/config.err"; }
  } &
  config_pid=$!
  IMAGE_TAG=$tag "$@" -f "$file" ps -a -q >"$tmp/ps" 2>"$tmp/ps.err" &
  ps_pid=$!
  v=$("$@" version --short 2>/dev/null) || v=
  wait $config_pid $ps_pid
fi
part compose; printf '%s\n%s\n' "$v" "$*" | body
if [ -n "$v" ]; then
  part config; body <"$tmp/config"; part config-error; tail -n 5 "$tmp/config.err" | body
  part containers
  ids=$(grep -E '^[0-9a-f]{12,64}$' "$tmp/ps")
  : >"$tmp/inspect"
  [ -z "$ids" ] || docker inspect --format '${INSPECT_FORMAT}' $ids >"$tmp/inspect" 2>/dev/null
  body <"$tmp/inspect"
  # What changed in git between each release the containers run (tag git-<sha12>) and the target.
  part release-changes
  for short in $(grep -o ':git-[0-9a-f]\\{12\\}"' "$tmp/inspect" | cut -c6-17 | sort -u); do
    echo "@$short"
    full=$(git rev-parse --verify --quiet "$short^{commit}") && [ -n "$sha" ] &&
      git diff --name-only "$full" "$sha" 2>/dev/null || echo '!unknown'
  done | body
fi
part changed; echo "$changed" | body
part now; date +%s | body
part images; docker images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>/dev/null | body
if [ -n "$mpath" ] && [ -n "$sha" ]; then
  part migrations
  git grep -I -E '^(revision|down_revision)[[:space:]]*(:[^=]*)?=' "$sha" -- "$mpath" 2>/dev/null | body
fi
part ledger; [ ! -f "$state/releases.jsonl" ] || tail -n "$tail_n" "$state/releases.jsonl" | body
if [ -n "$current" ]; then wait; part current; body <"$tmp/current"; fi
part end
`;

export function liveStateCommand(request: LiveStateRequest): string {
  return toSshCommand(LIVE_STATE_SCRIPT, [
    request.appDir,
    request.composeFile,
    request.fetch ? request.remote : '',
    refCandidates(request.ref, request.remote).join('\n'),
    request.imageTag ?? '',
    request.stateDir,
    String(LEDGER_TAIL),
    request.migrationsPath ?? '',
    request.alembicCurrent ?? '',
    ...(request.composeCommand === 'auto' ? ['auto'] : request.composeCommand),
  ]);
}

/** The script's output, cut into its named parts. */
export function splitParts(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (name !== undefined) parts.set(name, lines.join('\n').trim());
  };
  for (const line of text.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      name = line.slice(MARK.length).trim();
      lines = [];
    } else if (line.startsWith('|')) lines.push(line.slice(1));
  }
  flush();
  return parts;
}

/** `repo:tag` with Docker Hub's implied prefixes and `:latest` made explicit, so both sides compare. */
export function normaliseImageRef(ref: string): string {
  let name = ref.trim();
  if (name.includes('@')) return name;
  const lastSlash = name.lastIndexOf('/');
  if (!name.slice(lastSlash + 1).includes(':')) name = `${name}:latest`;
  name = name.replace(/^docker\.io\//, '').replace(/^index\.docker\.io\//, '');
  return name.replace(/^library\//, '');
}

export function parseLocalImages(text: string): Record<string, string> {
  const images: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [ref, id] = line.trim().split(/\s+/);
    if (ref === undefined || id === undefined || ref.includes('<none>')) continue;
    images[normaliseImageRef(ref)] = id;
  }
  return images;
}

/** The image each stack service names in `compose config` output. */
export function parseTargetImages(configYaml: string): Record<string, string> {
  const config = parseYaml(configYaml) as { services?: Record<string, { image?: string } | null> } | null;
  const images: Record<string, string> = {};
  for (const service of stackServices(configYaml)) {
    const image = config?.services?.[service]?.image;
    if (image !== undefined) images[service] = normaliseImageRef(image);
  }
  return images;
}

/** `@<sha12>` lines, each followed by the files changed since that commit (or `!unknown`). */
export function parseReleaseChanges(text: string): Record<string, string[] | undefined> {
  const changes: Record<string, string[] | undefined> = {};
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const start = /^@([0-9a-f]{12})$/.exec(line);
    if (start) {
      current = start[1];
      changes[current] = [];
    } else if (current !== undefined && line === '!unknown') changes[current] = undefined;
    else if (current !== undefined && line !== '') changes[current]?.push(line);
  }
  return changes;
}

/** The services whose rendered configuration holds the sentinel tag in `image` and nowhere else. */
export function servicesWithTagOnlyInImage(renderedWithSentinel: string): string[] {
  const config = parseYaml(renderedWithSentinel) as {
    services?: Record<string, Record<string, unknown> | null>;
  } | null;
  return stackServices(renderedWithSentinel).filter((service) => {
    const { image, ...rest } = config?.services?.[service] ?? {};
    return (
      typeof image === 'string' &&
      image.includes(IMAGE_TAG_SENTINEL) &&
      !JSON.stringify(rest).includes(IMAGE_TAG_SENTINEL)
    );
  });
}

/**
 * A migration graph from `git grep` lines (`<sha>:<path>:revision = "abc"`): heads are the revisions
 * no other names as its down_revision. Reads the forms alembic writes: quoted ids, None, tuples.
 */
export function parseMigrationGraph(text: string): MigrationGraph {
  const files = new Map<string, { revision?: string; down: string[] }>();
  for (const line of text.split('\n')) {
    const match = /^[0-9a-f]+:(.+?):(revision|down_revision)\s*(?::[^=]*)?=\s*(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, path, key, value] = match;
    const entry = files.get(path) ?? { down: [] };
    const ids = [...value.matchAll(/["']([^"']+)["']/g)].map((id) => id[1]);
    if (key === 'revision') entry.revision = ids[0];
    else entry.down = ids;
    files.set(path, entry);
  }
  const revisions = [...files.values()]
    .map((file) => file.revision)
    .filter((revision): revision is string => revision !== undefined);
  const pointedAt = new Set([...files.values()].flatMap((file) => file.down));
  return { revisions, heads: revisions.filter((revision) => !pointedAt.has(revision)).sort() };
}

export class LiveStateError extends Error {}

/** Turns the script's output into a LiveState, or says what could not be read. */
export function parseLiveState(text: string, request: LiveStateRequest, label: string): LiveState {
  const parts = splitParts(text);
  const error = parts.get('error');
  if (error !== undefined) throw new LiveStateError(`${inert(error)} on ${label}`);
  const [version = '', words = ''] = (parts.get('compose') ?? '').split('\n');
  const major = /^v?(\d+)\./.exec(version.trim())?.[1];
  if (major === undefined) throw new LiveStateError(composeMissing(request.composeCommand, label));
  const fetch = parts.get('fetch');
  if (fetch !== undefined && !/exit=0\s*$/.test(fetch)) {
    throw new LiveStateError(
      `git fetch ${request.remote} failed in ${request.appDir} on ${label}: ${inert(fetch.replace(/exit=\d+\s*$/, '').trim())}`,
    );
  }
  const head = parts.get('head') ?? '';
  if (!/^[0-9a-f]{40}$/.test(head))
    throw new LiveStateError(`${request.appDir} on ${label} is not a git checkout with a commit`);
  const renderedWithSentinel = parts.get('config') ?? '';
  const imageTag = parts.get('tag') ?? '';
  const config = renderedWithSentinel.replaceAll(IMAGE_TAG_SENTINEL, imageTag);
  if (config === '') {
    throw new LiveStateError(
      `compose config failed in ${request.appDir} on ${label}: ${inert(parts.get('config-error') ?? '(no message)')}`,
    );
  }
  let dbRevision: string | undefined;
  let dbRevisionProblem: string | undefined;
  const current = parts.get('current');
  if (current !== undefined) {
    // `alembic current` prints revision lines on stdout; its INFO lines on stderr are mixed in here.
    const body = current.replace(/exit=\d+\s*$/, '');
    // A database at a revision the checked-out code does not know (a newer release's) is still read.
    const unknownToCode = /Can't locate revision identified by '([0-9A-Za-z_]+)'/.exec(body)?.[1];
    if (/exit=0\s*$/.test(current)) dbRevision = parseRevisions(body).join(',');
    else if (unknownToCode !== undefined) dbRevision = unknownToCode;
    else dbRevisionProblem = inert(body.trim().split('\n').slice(-3).join(' '));
  }
  return {
    head,
    target: /^[0-9a-f]{40}$/.test(parts.get('target') ?? '') ? (parts.get('target') ?? '') : '',
    compose: { command: words.split(' ').filter((word) => word !== ''), major: Number(major) },
    imageTag,
    targetImages: parseTargetImages(config),
    tagOnlyInImage: servicesWithTagOnlyInImage(renderedWithSentinel),
    replicas: replicasOf(config),
    releaseChanges: parseReleaseChanges(parts.get('release-changes') ?? ''),
    runtimeInputs: runtimeInputs(config, request.appDir, request.composeFile),
    startFirstBlockers: startFirstBlockers(config),
    localImages: parseLocalImages(parts.get('images') ?? ''),
    containers: parseInspect(parts.get('containers') ?? ''),
    releases: parseReleases(parts.get('ledger') ?? ''),
    dbRevision,
    dbRevisionProblem,
    migrations:
      request.migrationsPath === undefined ? undefined : parseMigrationGraph(parts.get('migrations') ?? ''),
    composeFileChanged: parts.get('changed') === 'yes',
    serverTime: Number(parts.get('now')) || 0,
  };
}

export async function readLiveState(session: RemoteSession, request: LiveStateRequest): Promise<LiveState> {
  const text = await session.run(liveStateCommand(request), 'reading the live state', {
    echo: 'none',
    timeoutSeconds: 300,
    maxBytes: 16 * 1024 * 1024,
  });
  return parseLiveState(text, request, session.label);
}
