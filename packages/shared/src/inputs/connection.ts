/** The connection inputs every action shares (contract: "Connection inputs"). */
import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { checkPrivateKey } from '../ssh/keys';
import { hasPins, parseKnownHosts, pinsFor, type HostPins, type KnownHosts } from '../ssh/known-hosts';
import { field, optionalField } from './read';
import * as v from './validators';

export const CONNECTION_DEFAULTS = {
  host: '',
  port: '22',
  username: '',
  'private-key': '',
  passphrase: '',
  password: '',
  'known-hosts': '',
  'host-fingerprint': '',
  'insecure-ignore-host-key': 'false',
  'jump-host': '',
  'connect-timeout': '30',
  'connect-retries': '3',
  'command-timeout': '1800',
  'max-parallel': '1',
  canary: 'true',
  orchestrator: 'compose',
  'stack-name': 'thinktank',
  'resolve-image': 'always',
  'app-dir': '/opt/thinktank',
  'compose-file': 'docker/docker-compose-prod.yaml',
  'compose-command': 'auto',
  environment: 'production',
  'state-dir': '',
  'dry-run': 'false',
  'github-token': '',
} as const;

export const CONNECTION_SECRETS = ['private-key', 'passphrase', 'password', 'github-token'] as const;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** Who logs in: the entry's own `user@`, else `username`. */
  readonly username: string;
  /** How the host is named in logs: `host` or `host:port`. */
  readonly label: string;
  readonly pins: HostPins;
}

export interface ConnectionSettings {
  readonly targets: readonly Endpoint[];
  readonly username: string;
  readonly privateKey: string | undefined;
  readonly passphrase: string | undefined;
  readonly password: string | undefined;
  /**
   * An SSH agent's socket, from THINKTANK_SSH_AGENT (the terminal CLI sets it from SSH_AUTH_SOCK), used
   * only when neither private-key nor password is given.
   */
  readonly agent: string | undefined;
  readonly insecureIgnoreHostKey: boolean;
  readonly jumpHost: Endpoint | undefined;
  readonly connectTimeoutSeconds: number;
  readonly connectRetries: number;
  readonly commandTimeoutSeconds: number;
  /** A fleet: hosts worked on at once, after the canary (the first host, alone) when `canary`. */
  readonly maxParallel: number;
  readonly canary: boolean;
  readonly orchestrator: 'compose' | 'swarm';
  /** With `swarm`: the stack's name, and `docker stack deploy --resolve-image`. */
  readonly stackName: string;
  readonly resolveImage: 'always' | 'changed' | 'never';
  readonly appDir: string;
  readonly composeFile: string;
  readonly composeCommand: 'auto' | readonly string[];
  readonly environment: string;
  readonly stateDir: string;
  readonly dryRun: boolean;
  readonly githubToken: string | undefined;
}

const required = (name: string, example: string) =>
  field((raw) => {
    if (raw === '') throw new v.InputProblem(`${name} is required`, example);
    return raw;
  });

export const connectionShape = {
  host: required('host', 'deploy.example.com').pipe(field(v.hostList)),
  port: field(v.port),
  username: required('username', 'deploy').pipe(field(v.username)),
  'private-key': z.string(),
  passphrase: z.string(),
  password: z.string(),
  'known-hosts': field((raw): KnownHosts => {
    const parsed = parseKnownHosts(raw);
    if (parsed.problems.length > 0) throw new v.InputProblem(parsed.problems.join('; '));
    return parsed;
  }),
  'host-fingerprint': field(v.hostFingerprints),
  'insecure-ignore-host-key': field(v.boolean),
  'jump-host': optionalField(v.userHost),
  'connect-timeout': field(v.seconds(1, 600)),
  'connect-retries': field(v.count(0, 10)),
  'command-timeout': field(v.seconds(1, 86400)),
  'max-parallel': field(v.count(1, 256)),
  canary: field(v.boolean),
  orchestrator: field(v.oneOf(['compose', 'swarm'] as const)),
  'stack-name': field(v.stackName),
  'resolve-image': field(v.oneOf(['always', 'changed', 'never'] as const)),
  'app-dir': field(v.absolutePath),
  'compose-file': field(v.relativePath),
  'compose-command': field(v.composeCommandWords),
  environment: field(v.environmentName),
  'state-dir': optionalField(v.absolutePath),
  'dry-run': field(v.boolean),
  'github-token': z.string(),
};

type ConnectionRaw = z.output<z.ZodObject<typeof connectionShape>>;

function label(host: string, port: number): string {
  const name = host.includes(':') ? `[${host}]` : host;
  return port === 22 ? name : `${name}:${port}`;
}

/** `name:port` or `[v6addr]:port`, with the port even when it is 22 (to tell hosts apart). */
function labelWithPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function canonicalHost(host: string): string {
  return isIPv6(host) ? new URL(`http://[${host}]/`).hostname : host.toLowerCase();
}

/**
 * Whether a `host-fingerprint` scope (`host=SHA256:...`) names the host reached at `host`:`port`.
 * The scope is compared with the host as given in `host` / `jump-host`, never resolved: names
 * case-insensitively, IPv6 addresses by value (`[2001:db8::10]` = `[2001:DB8:0::10]`); an address
 * never names a host given by name. A scope with a port names the host on that port only, the port
 * it is reached on (its own `:port`, else `port` for a target and 22 for the jump host); a scope
 * without one names the host on whatever port it is reached on (refused in toConnectionSettings when
 * that is more than one).
 */
export function scopeNames(scope: v.HostAddress, host: string, port: number): boolean {
  return (
    canonicalHost(scope.host) === canonicalHost(host) && (scope.port === undefined || scope.port === port)
  );
}

/** A host this run connects to, on the port it is reached on. */
interface Reached {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly role: 'host' | 'jump host';
}

/**
 * Checks the `host-fingerprint` scopes against the hosts reached: an unscoped fingerprint only for a
 * single host without a jump host (it would otherwise pin the bastion and the targets alike), and
 * every scope naming exactly one of them (a scope naming none is a typo).
 */
function fingerprintScopeProblems(
  entries: readonly v.HostFingerprint[],
  reached: readonly Reached[],
): string[] {
  const problems: string[] = [];
  const unscoped = entries.filter((entry) => entry.scope === undefined);
  const hasJump = reached.some((point) => point.role === 'jump host');
  if (unscoped.length > 0 && reached.length > 1) {
    const example = reached.find((point) => point.role === 'host') ?? reached[0];
    problems.push(
      `${v.shown(unscoped[0].fingerprint)}${unscoped.length > 1 ? ` (and ${unscoped.length - 1} more)` : ''} ` +
        `names no host: with ${hasJump ? 'a jump host' : 'several hosts'} write each fingerprint as ` +
        'host=SHA256:..., the host as in host or jump-host, so that no host is accepted with the key of another. ' +
        `Example: ${label(example.host, example.port)}=${unscoped[0].fingerprint}`,
    );
  }
  for (const entry of entries) {
    const scope = entry.scope;
    if (scope === undefined) continue;
    const named = reached.filter((point) => scopeNames(scope, point.host, point.port));
    const distinct = [...new Set(named.map((point) => labelWithPort(canonicalHost(point.host), point.port)))];
    if (named.length === 0) {
      const known = reached.map((point) => `${label(point.host, point.port)} (${point.role})`).join(', ');
      problems.push(
        `${v.shown(`${entry.scopeText ?? ''}=${entry.fingerprint}`)} pins a host that is neither in host nor in ` +
          `jump-host (${known}); is it a typo?`,
      );
    } else if (distinct.length > 1) {
      problems.push(
        `${v.shown(entry.scopeText ?? '')} names ${distinct.join(' and ')}: give the port, ` +
          `as ${distinct[0]}=${entry.fingerprint}`,
      );
    }
  }
  return problems;
}

/**
 * Checks that need several inputs at once (credentials, host key pins) and builds the settings.
 * Reports problems on `context` so they come out with the single-input ones.
 */
export function toConnectionSettings(raw: ConnectionRaw, context: z.RefinementCtx): ConnectionSettings {
  const problem = (input: string, message: string) =>
    context.addIssue({ code: 'custom', path: [input], message });
  const privateKeyText = raw['private-key'];
  let privateKey: string | undefined;
  if (privateKeyText !== '') {
    try {
      privateKey = checkPrivateKey(privateKeyText, raw.passphrase || undefined);
    } catch (error) {
      if (!(error instanceof v.InputProblem)) throw error;
      problem(/passphrase/.test(error.message) ? 'passphrase' : 'private-key', error.message);
    }
  }
  // Opt-in by its own variable, never SSH_AUTH_SOCK itself: a runner's agent (loaded for private
  // submodules, or an admin's on a self-hosted runner) must not log a deploy in with another key.
  const agent =
    privateKeyText === '' && raw.password === '' ? process.env.THINKTANK_SSH_AGENT || undefined : undefined;
  if (privateKeyText === '' && raw.password === '' && agent === undefined)
    problem('private-key', 'give private-key (or, failing that, password) to log in with');

  const jump = raw['jump-host'];
  const reached: Reached[] = [
    ...raw.host.map((address): Reached => ({
      host: address.host,
      port: address.port ?? raw.port,
      username: address.username ?? raw.username,
      role: 'host',
    })),
    ...(jump === undefined
      ? []
      : [
          {
            host: jump.host,
            port: jump.port ?? 22,
            username: jump.username ?? raw.username,
            role: 'jump host',
          } as const,
        ]),
  ];
  const seen = new Set<string>();
  for (const point of reached.filter((each) => each.role === 'host')) {
    const key = labelWithPort(canonicalHost(point.host), point.port);
    if (seen.has(key)) problem('host', `${key} is given twice: each server once`);
    seen.add(key);
  }
  if (raw.orchestrator === 'swarm' && raw.host.length > 1)
    problem('host', `${raw.host.length} hosts given with orchestrator swarm: give one manager node`);
  const fingerprints = raw['host-fingerprint'];
  const scopeProblems = fingerprintScopeProblems(fingerprints, reached);
  for (const message of scopeProblems) problem('host-fingerprint', message);

  // Each host gets the fingerprints scoped to it (and the unscoped ones only where they are allowed:
  // one host, no jump host); known_hosts lines pin the hosts their host field names.
  const endpoint = ({ host, port, username, role }: Reached): Endpoint => {
    const own = fingerprints
      .filter((entry) =>
        entry.scope === undefined ? reached.length === 1 : scopeNames(entry.scope, host, port),
      )
      .map((entry) => entry.fingerprint);
    const pins = pinsFor(raw['known-hosts'], own, host, port);
    // A host-fingerprint problem already says what to fix; a missing pin would only repeat it.
    if (!hasPins(pins) && !raw['insecure-ignore-host-key'] && scopeProblems.length === 0) {
      const given = raw['known-hosts'].entries.length > 0 || fingerprints.length > 0;
      const what = role === 'jump host' ? `jump host ${label(host, port)}` : label(host, port);
      problem(
        'known-hosts',
        given
          ? `no pinned host key for ${what}: add its known_hosts line, or ${labelWithPort(host, port)}=SHA256:... ` +
              'to host-fingerprint'
          : `no host key pin for ${what}: give known-hosts or host-fingerprint ` +
              '(take them on the server itself: ssh-keyscan -p PORT localhost, or ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)',
      );
    }
    return { host, port, username, label: label(host, port), pins };
  };

  const targets = reached.filter((point) => point.role === 'host').map(endpoint);
  const jumpPoint = reached.find((point) => point.role === 'jump host');
  return {
    targets,
    username: raw.username,
    privateKey,
    passphrase: raw.passphrase || undefined,
    password: raw.password || undefined,
    agent,
    insecureIgnoreHostKey: raw['insecure-ignore-host-key'],
    jumpHost: jump === undefined || jumpPoint === undefined ? undefined : endpoint(jumpPoint),
    connectTimeoutSeconds: raw['connect-timeout'],
    connectRetries: raw['connect-retries'],
    commandTimeoutSeconds: raw['command-timeout'],
    maxParallel: raw['max-parallel'],
    canary: raw.canary,
    orchestrator: raw.orchestrator,
    stackName: raw['stack-name'],
    resolveImage: raw['resolve-image'],
    appDir: raw['app-dir'],
    composeFile: raw['compose-file'],
    composeCommand: raw['compose-command'],
    environment: raw.environment,
    stateDir: raw['state-dir'] ?? `${raw['app-dir']}/.deploy`,
    dryRun: raw['dry-run'],
    githubToken: raw['github-token'] || undefined,
  };
}

/** Work that is done on one server only refuses a fleet clearly. */
export function refuseFleet(connection: ConnectionSettings, context: z.RefinementCtx, why: string): void {
  if (connection.targets.length > 1) {
    context.addIssue({
      code: 'custom',
      path: ['host'],
      message: `${connection.targets.length} hosts given: ${why}; give one host`,
    });
  }
}
