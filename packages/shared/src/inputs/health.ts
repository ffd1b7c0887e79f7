/** action-health's inputs (contract: "action-health"), on top of the connection inputs. */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
import type { BackupOptions } from '../health/backups';
import type { DependencyOptions } from '../health/dependencies';
import type { PreflightOptions } from '../health/preflight';
import { containerName, PREFLIGHT_DEFAULTS, preflightShape, toPreflightOptions } from './preflight-pieces';
import { field, optionalField, readInputs } from './read';
import * as v from './validators';

export const HEALTH_DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  url: '',
  'server-url': 'http://localhost/health',
  'expect-status': 'healthy',
  retries: '10',
  interval: '3',
  'check-services': 'true',
  'metrics-url': '',
  'max-p95-seconds': '5',
  'max-error-rate': '0.05',
  'max-disk-percent': '90',
  preflight: 'false',
  ...PREFLIGHT_DEFAULTS,
  'check-dependencies': 'true',
  'postgres-container': 'thinktank-postgres',
  'redis-container': 'thinktank-redis',
  'backup-container': 'thinktank-backup',
  'backup-max-age-hours': '26',
  'restore-command': 'docker exec -i thinktank-backup /usr/local/bin/restore.sh',
} as const;

export interface HealthSettings {
  readonly connection: ConnectionSettings;
  readonly url: string | undefined;
  readonly serverUrl: string;
  readonly expectStatus: string;
  readonly retries: number;
  readonly intervalSeconds: number;
  readonly checkServices: boolean;
  readonly metricsUrl: string | undefined;
  readonly maxP95Seconds: number;
  readonly maxErrorRate: number;
  readonly maxDiskPercent: number;
  /** Runbook §1 preflight: run once per server when `preflight` is true. */
  readonly preflight: PreflightOptions | undefined;
  /** Runbook §7 dependencies and the backup container, every round; undefined = check-dependencies false. */
  readonly dependencies: DependencyOptions | undefined;
  /** Runbook §8 backups (age, size, retention), once per server; undefined = not checked. */
  readonly backups: BackupOptions | undefined;
}

export const healthSchema = z
  .object({
    ...connectionShape,
    url: optionalField(v.httpUrl),
    'server-url': field(v.httpUrl),
    'expect-status': field(v.statusWord),
    retries: field(v.count(0, 1000)),
    interval: field(v.seconds(0, 3600)),
    'check-services': field(v.boolean),
    'metrics-url': optionalField(v.httpUrl),
    'max-p95-seconds': field(v.decimal(0, 3600, '5')),
    'max-error-rate': field(v.decimal(0, 1, '0.05')),
    'max-disk-percent': field(v.decimal(0, 100, '90')),
    preflight: field(v.boolean),
    ...preflightShape,
    'check-dependencies': field(v.boolean),
    'postgres-container': field(containerName),
    'redis-container': field(containerName),
    'backup-container': field(containerName),
    'backup-max-age-hours': field(v.decimal(0, 87600, '26')),
    'restore-command': field(v.commandPrefix),
  })
  .transform((raw, context): HealthSettings => ({
    connection: toConnectionSettings(raw, context),
    url: raw.url,
    serverUrl: raw['server-url'],
    expectStatus: raw['expect-status'],
    retries: raw.retries,
    intervalSeconds: raw.interval,
    checkServices: raw['check-services'],
    metricsUrl: raw['metrics-url'],
    maxP95Seconds: raw['max-p95-seconds'],
    maxErrorRate: raw['max-error-rate'],
    maxDiskPercent: raw['max-disk-percent'],
    preflight: raw.preflight
      ? toPreflightOptions(raw, { appDir: raw['app-dir'], composeCommand: raw['compose-command'] })
      : undefined,
    dependencies: raw['check-dependencies']
      ? {
          postgresContainer: raw['postgres-container'],
          redisContainer: raw['redis-container'],
          backupContainer: raw['backup-container'],
        }
      : undefined,
    backups:
      raw['check-dependencies'] && raw['backup-max-age-hours'] > 0
        ? {
            appDir: raw['app-dir'],
            restoreCommand: raw['restore-command'],
            backupContainer: raw['backup-container'],
            maxAgeHours: raw['backup-max-age-hours'],
          }
        : undefined,
  }));

export function readHealthInputs(): HealthSettings {
  return Object.freeze(readInputs(healthSchema, HEALTH_DEFAULTS, CONNECTION_SECRETS));
}
