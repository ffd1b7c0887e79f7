import * as core from '@actions/core';
import {
  describeOperation,
  holderFromEnvironment,
  opsReport,
  opsSummary,
  reportDiagnostics,
  runOps,
  onFirstHost,
  withDeployLock,
  type OpsSettings,
  type RunContext,
} from '@thinktank/shared';

export async function main(settings: OpsSettings, { signal }: RunContext): Promise<void> {
  const { connection } = settings;
  const holder = holderFromEnvironment(connection.environment, 'ops');
  const operation = describeOperation(settings.operation);
  core.info(`${operation} on ${connection.environment} requested by ${holder.actor}`);
  await onFirstHost(connection, signal, (session) =>
    withDeployLock(
      session,
      connection,
      settings.lockTimeoutSeconds,
      holder,
      async () => {
        const outcome = await runOps(settings, {
          session,
          signal,
          actor: holder.actor,
          runUrl: holder.run_url,
          runId: holder.run_id,
        });
        core.setOutput('report', opsReport(outcome, connection.environment, session.label));
        await core.summary.addRaw(opsSummary(outcome, connection.environment, session.label)).write();
        await reportDiagnostics(outcome.diagnostics ?? [], 'ops');
        if (outcome.failure !== undefined)
          throw new Error(`${operation} on ${connection.environment} failed: ${outcome.failure}`);
      },
      { signal },
    ),
  );
}
