/** action-migrate's inputs (contract: "action-migrate"). */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  toConnectionSettings,
  type ConnectionSettings,
} from './connection';
import { MIGRATION_DEFAULTS, migrationShape, toMigrationSettings } from './migrate-pieces';
import { field, readInputs } from './read';
import * as v from './validators';
import type { MigrationRequest, MigrationSettings } from '../migrate/alembic';

export const MIGRATE_DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  direction: 'upgrade',
  target: '',
  preview: 'false',
  'lock-timeout': '300',
  ...MIGRATION_DEFAULTS,
} as const;

export interface MigrateSettings {
  readonly connection: ConnectionSettings;
  readonly request: MigrationRequest;
  readonly migration: MigrationSettings;
  readonly lockTimeoutSeconds: number;
}

/** `head`, `base`, `-N`, `+N` or a revision id; which of them fit depends on the direction. */
export function migrationTarget(direction: 'upgrade' | 'downgrade', value: string): string {
  const target = value === '' ? (direction === 'upgrade' ? 'head' : '-1') : value;
  const example = direction === 'upgrade' ? 'head, +1 or ae1027a6acf' : '-1, base or ae1027a6acf';
  if (!/^(head|base|[+-][1-9][0-9]{0,3}|[0-9A-Za-z_]{1,64})$/.test(target)) {
    throw new v.InputProblem(
      `${v.shown(value)} is not an alembic target (head, -N, +N or a revision id)`,
      example,
    );
  }
  if (
    (direction === 'upgrade' && (target.startsWith('-') || target === 'base')) ||
    (direction === 'downgrade' && (target.startsWith('+') || target === 'head'))
  ) {
    throw new v.InputProblem(`${v.shown(target)} does not go with direction ${direction}`, example);
  }
  return target;
}

export const migrateSchema = z
  .object({
    ...connectionShape,
    ...migrationShape,
    direction: field(v.oneOf(['upgrade', 'downgrade'] as const)),
    target: z.string(),
    preview: field(v.boolean),
    'lock-timeout': field(v.seconds(0, 86400)),
  })
  .transform((raw, context): MigrateSettings => {
    let target = '';
    try {
      target = migrationTarget(raw.direction, raw.target);
    } catch (error) {
      if (!(error instanceof v.InputProblem)) throw error;
      context.addIssue({ code: 'custom', path: ['target'], message: error.message });
    }
    const connection = toConnectionSettings(raw, context);
    if (connection.orchestrator === 'swarm')
      context.addIssue({
        code: 'custom',
        path: ['orchestrator'],
        message:
          'swarm: a stack is migrated by action-deploy, in a one-off container of the new image before the stack update; action-migrate works on compose servers',
      });
    return {
      connection,
      // A dry run only previews.
      request: { direction: raw.direction, target, preview: raw.preview || connection.dryRun },
      migration: toMigrationSettings(raw),
      lockTimeoutSeconds: raw['lock-timeout'],
    };
  });

export function readMigrateInputs(): MigrateSettings {
  return Object.freeze(readInputs(migrateSchema, MIGRATE_DEFAULTS, CONNECTION_SECRETS));
}
