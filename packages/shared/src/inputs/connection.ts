/** The connection inputs every action shares (contract: "Connection inputs"). */
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
  readonly insecureIgnoreHostKey: boolean;
  readonly jumpHost: (Endpoint & { readonly username: string }) | undefined;
  readonly connectTimeoutSeconds: number;
  readonly connectRetries: number;
  readonly commandTimeoutSeconds: number;
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
  'host-fingerprint': field(v.fingerprintList),
  'insecure-ignore-host-key': field(v.boolean),
  'jump-host': optionalField(v.jumpHost),
  'connect-timeout': field(v.seconds(1, 600)),
  'connect-retries': field(v.count(0, 10)),
  'command-timeout': field(v.seconds(1, 86400)),
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
  } else if (raw.password === '') {
    problem('private-key', 'give private-key (or, failing that, password) to log in with');
  }

  const endpoint = (host: string, port: number): Endpoint => {
    const pins = pinsFor(raw['known-hosts'], raw['host-fingerprint'], host, port);
    if (!hasPins(pins) && !raw['insecure-ignore-host-key']) {
      const given = raw['known-hosts'].entries.length > 0 || raw['host-fingerprint'].length > 0;
      problem(
        'known-hosts',
        given
          ? `no pinned host key for ${label(host, port)}: add its known_hosts line or its fingerprint`
          : `no host key pin for ${label(host, port)}: give known-hosts or host-fingerprint ` +
              '(take them on the server itself: ssh-keyscan -p PORT localhost, or ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)',
      );
    }
    return { host, port, label: label(host, port), pins };
  };

  const targets = raw.host.map((address) => endpoint(address.host, address.port ?? raw.port));
  const jump = raw['jump-host'];
  return {
    targets,
    username: raw.username,
    privateKey,
    passphrase: raw.passphrase || undefined,
    password: raw.password || undefined,
    insecureIgnoreHostKey: raw['insecure-ignore-host-key'],
    jumpHost:
      jump === undefined
        ? undefined
        : { ...endpoint(jump.host, jump.port ?? 22), username: jump.username ?? raw.username },
    connectTimeoutSeconds: raw['connect-timeout'],
    connectRetries: raw['connect-retries'],
    commandTimeoutSeconds: raw['command-timeout'],
    appDir: raw['app-dir'],
    composeFile: raw['compose-file'],
    composeCommand: raw['compose-command'],
    environment: raw.environment,
    stateDir: raw['state-dir'] ?? `${raw['app-dir']}/.deploy`,
    dryRun: raw['dry-run'],
    githubToken: raw['github-token'] || undefined,
  };
}

/** Actions that work on one server refuse a fleet clearly (the contract plans fleets for later). */
export function refuseFleet(connection: ConnectionSettings, context: z.RefinementCtx, why: string): void {
  if (connection.targets.length > 1) {
    context.addIssue({
      code: 'custom',
      path: ['host'],
      message: `${connection.targets.length} hosts given: ${why}; give one host`,
    });
  }
}
