/** action-health's inputs (contract: "action-health"), on top of the connection inputs. */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
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
  }));

export function readHealthInputs(): HealthSettings {
  return Object.freeze(readInputs(healthSchema, HEALTH_DEFAULTS, CONNECTION_SECRETS));
}
