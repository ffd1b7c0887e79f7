/**
 * The terminal CLI's commands: one per action, each with the action's own inputs (its defaults map,
 * the one its action.yml is checked against), the action's own input reader and the action's own main
 * part. Nothing here decides anything about a deploy: the CLI runs what the Actions runner runs.
 */
import {
  DEPLOY_DEFAULTS,
  HEALTH_DEFAULTS,
  MIGRATE_DEFAULTS,
  OPS_DEFAULTS,
  readDeployInputs,
  readHealthInputs,
  readMigrateInputs,
  readOpsInputs,
  readRollbackInputs,
  ROLLBACK_DEFAULTS,
  type Main,
} from '@thinktank/shared';

export interface Command {
  readonly summary: string;
  /** Every input the action takes, with its default. */
  readonly inputs: Readonly<Record<string, string>>;
  readonly readInputs: () => unknown;
  readonly loadMain: () => Promise<{ readonly main: Main<unknown> }>;
}

// Each `import()` is its own chunk in the bundle: a refused run loads none of them.
export const COMMANDS: Readonly<Record<string, Command>> = {
  deploy: {
    summary: 'deploy a ref to the server(s): build, migrate, restart one service at a time, check health',
    inputs: DEPLOY_DEFAULTS,
    readInputs: readDeployInputs,
    loadMain: () => import('../../action-deploy/src/main') as never,
  },
  migrate: {
    summary: 'run, preview or reverse alembic migrations, with a backup first',
    inputs: MIGRATE_DEFAULTS,
    readInputs: readMigrateInputs,
    loadMain: () => import('../../action-migrate/src/main') as never,
  },
  rollback: {
    summary: 'go back to an earlier release (image, or full with the database)',
    inputs: ROLLBACK_DEFAULTS,
    readInputs: readRollbackInputs,
    loadMain: () => import('../../action-rollback/src/main') as never,
  },
  health: {
    summary: 'check the server(s): services, health URL, dependencies, backups, preflight',
    inputs: HEALTH_DEFAULTS,
    readInputs: readHealthInputs,
    loadMain: () => import('../../action-health/src/main') as never,
  },
  ops: {
    summary: 'emergency operations: restart, restart-stack, recover-database, reclaim-disk, scale',
    inputs: OPS_DEFAULTS,
    readInputs: readOpsInputs,
    loadMain: () => import('../../action-ops/src/main') as never,
  },
};

/**
 * Inputs that hold secrets. On a command line they would sit in the shell's history and in every
 * process listing, so they are refused there and taken from files, the environment, an agent or a
 * prompt instead.
 */
export const SECRET_INPUTS: Readonly<Record<string, string>> = {
  'private-key': `--key-file PATH, or an SSH agent (SSH_AUTH_SOCK)`,
  passphrase: 'the THINKTANK_SSH_PASSPHRASE environment variable, or the prompt in a terminal',
  password: 'the THINKTANK_SSH_PASSWORD environment variable',
  'github-token': 'the GITHUB_TOKEN environment variable',
};

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  failed: 1,
  badInput: 2,
  lockBusy: 3,
  rolledBack: 4,
  cancelled: 130,
} as const;
