/**
 * The runbook §1 preflight inputs, shared by action-health (`preflight: true`) and action-deploy (run
 * before a first deployment): the same names, defaults and checks in both.
 */
import type { PreflightOptions } from '../health/preflight';
import type { ConnectionSettings } from './connection';
import { field, optionalField } from './read';
import * as v from './validators';

export const PREFLIGHT_DEFAULTS = {
  'min-cpus': '4',
  'min-memory-gb': '8',
  'min-disk-gb': '50',
  'min-docker-version': '24.0',
  'min-compose-version': '2.20',
  'env-file': '.env',
  'required-secrets': 'DB_PASSWORD,JWT_SECRET_KEY,ENCRYPTION_KEY',
  'tls-cert': 'docker/certs/fullchain.pem',
} as const;

/** A Docker container name (Docker's own rule), or empty for "not checked". */
export function containerName(value: string): string | undefined {
  if (value === '') return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value)) {
    throw new v.InputProblem(
      `${v.shown(value)} is not a container name (letters, digits, _ . -; not starting with _ . -)`,
      'thinktank-postgres',
    );
  }
  return value;
}

/** Names of environment variables, each once; empty = none checked. */
function secretNames(value: string): string[] {
  const names = v.splitList(value);
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
      throw new v.InputProblem(
        `${v.shown(name)} is not an environment variable name (letters, digits, _; not starting with a digit)`,
        'DB_PASSWORD,JWT_SECRET_KEY,ENCRYPTION_KEY',
      );
    }
  }
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined)
    throw new v.InputProblem(`${twice} is named twice`, 'DB_PASSWORD,JWT_SECRET_KEY,ENCRYPTION_KEY');
  return names;
}

/** A version to compare with: `major`, `major.minor` or `major.minor.patch`. */
function minimumVersion(example: string) {
  return (value: string): string => {
    if (!/^[0-9]{1,4}(?:\.[0-9]{1,4}){0,2}$/.test(value)) {
      throw new v.InputProblem(`${v.shown(value)} is not a version (major.minor)`, example);
    }
    return value;
  };
}

export const preflightShape = {
  'min-cpus': field(v.count(0, 4096)),
  'min-memory-gb': field(v.decimal(0, 1048576, '8')),
  'min-disk-gb': field(v.decimal(0, 1048576, '50')),
  'min-docker-version': field(minimumVersion('24.0')),
  'min-compose-version': field(minimumVersion('2.20')),
  'env-file': field(v.relativePath),
  'required-secrets': field(secretNames),
  'tls-cert': optionalField(v.relativePath),
};

interface PreflightRaw {
  readonly 'min-cpus': number;
  readonly 'min-memory-gb': number;
  readonly 'min-disk-gb': number;
  readonly 'min-docker-version': string;
  readonly 'min-compose-version': string;
  readonly 'env-file': string;
  readonly 'required-secrets': string[];
  readonly 'tls-cert': string | undefined;
}

export function toPreflightOptions(
  raw: PreflightRaw,
  connection: Pick<ConnectionSettings, 'appDir' | 'composeCommand'>,
): PreflightOptions {
  return {
    appDir: connection.appDir,
    envFile: raw['env-file'],
    requiredSecrets: raw['required-secrets'],
    tlsCert: raw['tls-cert'],
    thresholds: {
      minCpus: raw['min-cpus'],
      minMemoryGb: raw['min-memory-gb'],
      minDiskGb: raw['min-disk-gb'],
      minDockerVersion: raw['min-docker-version'],
      minComposeVersion: raw['min-compose-version'],
    },
    composeCommand: connection.composeCommand,
  };
}
