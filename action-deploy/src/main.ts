import * as core from '@actions/core';
import {
  deploySummary,
  deploymentTarget,
  GitHubDeployment,
  holderFromEnvironment,
  runDeploy,
  reportDiagnostics,
  Sessions,
  stage,
  withDeployLock,
  type DeploySettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: DeploySettings, { signal }: RunContext): Promise<void> {
  const { connection } = settings;
  const holder = holderFromEnvironment(connection.environment, 'deploy');
  const triggering = process.env.GITHUB_TRIGGERING_ACTOR;
  core.info(
    `deploy of ${settings.ref} to ${connection.environment} requested by ${holder.actor}` +
      (triggering && triggering !== holder.actor ? ` (triggered by ${triggering})` : ''),
  );
  const sessions = new Sessions(connection, { signal });
  try {
    const [session] = await stage('Connect', () => sessions.connectAll());
    await withDeployLock(
      session,
      connection,
      settings.lockTimeoutSeconds,
      holder,
      async () => {
        const deployment = connection.dryRun
          ? undefined
          : await GitHubDeployment.start(
              deploymentTarget(connection.githubToken, connection.environment),
              settings.ref,
              `deploy ${settings.ref}`,
            );
        let outcome;
        try {
          outcome = await runDeploy(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
          });
        } catch (error) {
          await deployment?.status('failure', 'deploy failed');
          throw error;
        }
        core.setOutput('previous-ref', outcome.previousRef);
        core.setOutput('deployed-ref', outcome.deployedRef);
        core.setOutput('attempted-ref', outcome.attemptedRef);
        core.setOutput(
          'image-tag',
          outcome.deployedRef === outcome.attemptedRef ? outcome.imageTag : outcome.previousImageTag,
        );
        core.setOutput('migrated', String(outcome.migrated));
        core.setOutput('rolled-back', String(outcome.rolledBack));
        core.setOutput('duration-seconds', String(outcome.durationSeconds));
        // Log lines and diagnostics stay out of the output (a value other steps pass on): the
        // summary, the fenced log and the artifact have them, masked.
        const withoutLogs = (waits: typeof outcome.services) => waits.map(({ logs: _logs, ...wait }) => wait);
        core.setOutput(
          'report',
          JSON.stringify({
            ...outcome,
            plan: outcome.plan.map((step) => step.title),
            services: withoutLogs(outcome.services),
            restored: withoutLogs(outcome.restored),
            diagnostics: undefined,
          }),
        );
        await core.summary.addRaw(deploySummary(outcome, connection.environment, session.label)).write();
        await reportDiagnostics(outcome.diagnostics, 'deploy');
        const ok = outcome.result === 'success' || outcome.result === 'unchanged';
        await deployment?.status(
          ok ? 'success' : 'failure',
          `${outcome.result}: ${outcome.deployedRef.slice(0, 12)}`,
        );
        if (!ok) {
          throw new Error(
            outcome.rolledBack
              ? `deploy of ${outcome.attemptedRef.slice(0, 12)} failed and was rolled back to ${outcome.deployedRef.slice(0, 12)}: ${outcome.failure}`
              : `deploy of ${outcome.attemptedRef.slice(0, 12)} failed: ${outcome.failure}`,
          );
        }
      },
      { signal },
    );
  } finally {
    sessions.closeAll();
  }
}
