/**
 * action-migrate's work: alembic against the release running now (its image, read from the server),
 * journalled like a deploy: `started` before anything is applied, the result after, `cancelled`
 * when the run is stopped. A preview changes nothing and is not journalled.
 */
import * as core from '@actions/core';
import { detectCompose } from '../compose/compose';
import { defaultImageTag, runningImageTagOf, stage } from '../deploy/deploy';
import { CancelledError, errorMessage } from '../errors';
import { headCommit } from '../git/git';
import type { MigrateSettings } from '../inputs/migrate';
import { appendRelease, type Release } from '../ledger/ledger';
import type { LockHolder } from '../lock/lock';
import { commandLine } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { listDestructive, MigrationError, runMigration, type MigrationOutcome } from './alembic';

export interface MigrateRun {
  readonly outcome: Partial<MigrationOutcome>;
  readonly failure: string | undefined;
}

export async function runMigrate(
  settings: MigrateSettings,
  context: { readonly session: RemoteSession; readonly signal: AbortSignal; readonly holder: LockHolder },
): Promise<MigrateRun> {
  const { connection, request } = settings;
  const { session, holder } = context;
  const ref = (
    await session.run(commandLine(headCommit(connection.appDir)), 'reading the checked-out commit', {
      echo: 'stderr',
    })
  ).trim();
  const compose =
    settings.migration.migrateService === undefined
      ? undefined
      : await detectCompose(session, connection.composeCommand);
  // The migration runs with the image the migrate service runs now (read from the server).
  const imageTag =
    (compose && settings.migration.migrateService !== undefined
      ? await runningImageTagOf(session, compose, connection, settings.migration.migrateService)
      : undefined) ?? defaultImageTag(ref);
  const journal = (result: Release['result'], outcome: Partial<MigrationOutcome> = {}) =>
    appendRelease(session, connection.stateDir, {
      time: new Date().toISOString(),
      environment: connection.environment,
      ref,
      image_tag: imageTag,
      previous_ref: ref,
      run_id: holder.run_id,
      migration:
        outcome.revisionAfter === undefined
          ? ''
          : `${outcome.revisionBefore || 'base'} -> ${outcome.revisionAfter || 'base'}`,
      actor: holder.actor,
      run_url: holder.run_url,
      result,
      action: 'migrate',
      ...(outcome.backup ? { backup: outcome.backup } : {}),
    });
  if (!request.preview) await journal('started');
  let outcome: Partial<MigrationOutcome>;
  let failure: string | undefined;
  try {
    outcome = await stage(
      `alembic ${request.direction} ${request.target}${request.preview ? ' (preview)' : ''}`,
      () =>
        runMigration(
          {
            session,
            appDir: connection.appDir,
            composeFile: connection.composeFile,
            compose,
            env: { IMAGE_TAG: imageTag },
            signal: context.signal,
          },
          settings.migration,
          request,
          (message) => core.info(message),
        ),
    );
  } catch (error) {
    if (error instanceof CancelledError || context.signal.aborted) {
      if (!request.preview)
        await journal('cancelled', error instanceof MigrationError ? error.partial : {}).catch(
          (why: unknown) => core.warning(`could not record the cancel in the ledger: ${errorMessage(why)}`),
        );
      throw error instanceof CancelledError
        ? error
        : new CancelledError(String(context.signal.reason ?? 'signal'));
    }
    if (!(error instanceof MigrationError)) throw error;
    outcome = error.partial;
    failure = error.message;
  }
  const destructive = outcome.destructive ?? [];
  if (request.preview && destructive.length > 0) {
    core.warning(
      `the previewed migration is destructive or cannot be proven safe: applying it ${
        settings.migration.allowDestructive
          ? 'is allowed (allow-destructive is true)'
          : 'would be refused unless allow-destructive is true'
      }\n${listDestructive(destructive)}`,
    );
  }
  if (!request.preview)
    await journal(
      failure === undefined ? (outcome.applied ? 'success' : 'unchanged') : 'failed',
      outcome,
    ).catch((error: unknown) => core.warning(`could not append to the ledger: ${errorMessage(error)}`));
  return { outcome, failure };
}
