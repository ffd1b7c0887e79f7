/** action-rollback's inputs (contract: "action-rollback"). */
import { z } from 'zod';
import {
  CONNECTION_DEFAULTS,
  CONNECTION_SECRETS,
  connectionShape,
  refuseFleet,
  toConnectionSettings,
} from './connection';
import { DEPLOY_DEFAULTS, rolloutShape, toRolloutSettings, type DeploySettings } from './deploy';
import { MIGRATION_DEFAULTS, migrationShape, toMigrationSettings } from './migrate-pieces';
import { field, readInputs } from './read';
import * as v from './validators';

export const ROLLBACK_DEFAULTS = {
  ...CONNECTION_DEFAULTS,
  mode: 'image',
  to: 'previous',
  backup: 'latest',
  'restore-command': 'docker exec -i thinktank-backup /usr/local/bin/restore.sh',
  'backup-command': MIGRATION_DEFAULTS['backup-command'],
  confirm: '',
  services: DEPLOY_DEFAULTS.services,
  'health-url': DEPLOY_DEFAULTS['health-url'],
  'wait-timeout': DEPLOY_DEFAULTS['wait-timeout'],
  'min-uptime': DEPLOY_DEFAULTS['min-uptime'],
  strategy: DEPLOY_DEFAULTS.strategy,
  'start-first-overlap': DEPLOY_DEFAULTS['start-first-overlap'],
  'lock-timeout': DEPLOY_DEFAULTS['lock-timeout'],
  build: DEPLOY_DEFAULTS.build,
  'auto-rollback': DEPLOY_DEFAULTS['auto-rollback'],
  'migrate-service': MIGRATION_DEFAULTS['migrate-service'],
  'alembic-command': MIGRATION_DEFAULTS['alembic-command'],
} as const;

/** `previous`, a commit SHA (7 to 40 hex digits), or an image tag the ledger knows. */
export type RollbackTarget =
  { readonly kind: 'previous' } | { readonly kind: 'sha-or-tag'; readonly value: string };

/** Which backup a full rollback restores. */
export type BackupChoice =
  | { readonly kind: 'latest' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 's3'; readonly key: string };

export interface RollbackSettings {
  /** The deploy settings the rolling restart and health gate use (ref filled in later). */
  readonly deploy: DeploySettings;
  readonly mode: 'image' | 'full';
  readonly to: RollbackTarget;
  readonly backup: BackupChoice;
  readonly restoreCommand: string;
}

function rollbackTarget(value: string): RollbackTarget {
  if (value === 'previous') return { kind: 'previous' };
  // A SHA is also a valid tag; both are looked up, the SHA first.
  return { kind: 'sha-or-tag', value: v.imageTag(value) };
}

function backupChoice(value: string): BackupChoice {
  if (value === 'latest') return { kind: 'latest' };
  if (value.startsWith('s3:')) {
    const key = value.slice(3);
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$/.test(key) || key.includes('..')) {
      throw new v.InputProblem(
        `${v.shown(value)} is not an S3 key`,
        's3:backups/daily/thinktank_daily_20260225_020000.sql.gz',
      );
    }
    return { kind: 's3', key };
  }
  try {
    return { kind: 'file', path: v.absolutePath(value) };
  } catch {
    throw new v.InputProblem(
      `${v.shown(value)} is not latest, an absolute backup file path, or s3:<key>`,
      'latest',
    );
  }
}

export const rollbackSchema = z
  .object({
    ...connectionShape,
    ...rolloutShape,
    'backup-command': migrationShape['backup-command'],
    'migrate-service': migrationShape['migrate-service'],
    'alembic-command': migrationShape['alembic-command'],
    mode: field(v.oneOf(['image', 'full'] as const)),
    to: field(rollbackTarget),
    backup: field(backupChoice),
    'restore-command': field(v.commandPrefix),
    confirm: z.string(),
  })
  .transform((raw, context): RollbackSettings => {
    const connection = toConnectionSettings(raw, context);
    if (raw.mode === 'full')
      refuseFleet(
        connection,
        context,
        'mode full restores the shared database once: run it on one host, then roll the others back with mode image',
      );
    if (connection.orchestrator === 'swarm' && raw.mode === 'full')
      context.addIssue({
        code: 'custom',
        path: ['mode'],
        message: 'orchestrator swarm rolls back images only: use mode image',
      });
    if (raw.mode === 'full' && raw.confirm !== connection.environment) {
      context.addIssue({
        code: 'custom',
        path: ['confirm'],
        message: `a full rollback restores the database: set confirm to the environment name (${connection.environment}) to go on; nothing was done`,
      });
    }
    return {
      deploy: {
        connection,
        ref: '',
        remote: 'origin',
        imageTag: undefined,
        ...toRolloutSettings(raw, context),
        migrate: 'false',
        migrateScope: 'fleet',
        migrationsPath: DEPLOY_DEFAULTS['migrations-path'],
        migration: toMigrationSettings({
          'allow-destructive': false,
          backup: true,
          'migrate-service': raw['migrate-service'],
          'alembic-command': raw['alembic-command'],
          'backup-command': raw['backup-command'],
        }),
      },
      mode: raw.mode,
      to: raw.to,
      backup: raw.backup,
      restoreCommand: raw['restore-command'],
    };
  });

export function readRollbackInputs(): RollbackSettings {
  return Object.freeze(readInputs(rollbackSchema, ROLLBACK_DEFAULTS, CONNECTION_SECRETS));
}
