import * as core from '@actions/core';
import {
  appendRelease,
  commandLine,
  detectCompose,
  errorMessage,
  headCommit,
  holderFromEnvironment,
  listDestructive,
  migrationSummary,
  MigrationError,
  readMigrateInputs,
  defaultImageTag,
  runMigration,
  runningImageTagOf,
  Sessions,
  stage,
  withDeployLock,
  type MigrationOutcome,
  type RunContext,
} from '@thinktank/shared';

export async function main({ signal }: RunContext): Promise<void> {
  const settings = readMigrateInputs();
  const { connection, request } = settings;
  const holder = holderFromEnvironment(connection.environment, 'migrate');
  const sessions = new Sessions(connection, { signal });
  try {
    const [session] = await stage('Connect', () => sessions.connectAll());
    await withDeployLock(
      session,
      connection,
      settings.lockTimeoutSeconds,
      holder,
      async () => {
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
                },
                settings.migration,
                request,
                (message) => core.info(message),
              ),
          );
        } catch (error) {
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
        core.setOutput('revision-before', outcome.revisionBefore ?? '');
        core.setOutput('revision-after', outcome.revisionAfter ?? '');
        core.setOutput('destructive', String(destructive.length > 0));
        core.setOutput('sql', outcome.sql ?? '');
        core.setOutput('backup', outcome.backup ?? '');
        await core.summary
          .addRaw(migrationSummary(connection.environment, request, outcome, failure))
          .write();
        if (!request.preview && (outcome.applied || failure !== undefined)) {
          await appendRelease(session, connection.stateDir, {
            time: new Date().toISOString(),
            environment: connection.environment,
            ref,
            image_tag: imageTag,
            previous_ref: ref,
            run_id: holder.run_id,
            migration: `${outcome.revisionBefore || 'base'} -> ${outcome.revisionAfter || 'base'}`,
            actor: holder.actor,
            run_url: holder.run_url,
            result: failure === undefined ? 'success' : 'failed',
            action: 'migrate',
            ...(outcome.backup ? { backup: outcome.backup } : {}),
          }).catch((error: unknown) =>
            core.warning(`could not append to the ledger: ${errorMessage(error)}`),
          );
        }
        if (failure !== undefined) throw new Error(failure);
      },
      { signal },
    );
  } finally {
    sessions.closeAll();
  }
}
