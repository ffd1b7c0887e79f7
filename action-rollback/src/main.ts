import * as core from '@actions/core';
import {
  deploymentTarget,
  fleetFailures,
  fleetSummary,
  forEachHost,
  GitHubDeployment,
  holderFromEnvironment,
  isFleet,
  reportDiagnostics,
  rethrowSingle,
  rollbackSummary,
  runRollback,
  withDeployLock,
  type RollbackOutcome,
  type RollbackSettings,
  type RunContext,
} from '@thinktank/shared';

const failureOf = (outcome: RollbackOutcome) => outcome.failure ?? outcome.productionDown;

export async function main(settings: RollbackSettings, context: RunContext): Promise<void> {
  const { connection } = settings.deploy;
  if (connection.orchestrator === 'swarm') return (await import('./swarm')).swarmMain(settings, context);
  const { signal } = context;
  const holder = holderFromEnvironment(connection.environment, 'rollback');
  const fleet = isFleet(connection);
  core.info(
    `${settings.mode} rollback of ${connection.environment}${fleet ? ` (${connection.targets.length} hosts)` : ''} to ${settings.to.kind === 'previous' ? 'previous' : settings.to.value} requested by ${holder.actor}`,
  );
  // Each host goes back to its own previous release (its ledger's), in batches as a deploy.
  const runs = await forEachHost(
    connection,
    { signal, passed: (outcome: RollbackOutcome) => failureOf(outcome) === undefined },
    (session) =>
      withDeployLock(
        session,
        connection,
        settings.deploy.lockTimeoutSeconds,
        holder,
        async () => {
          const outcome = await runRollback(settings, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
          });
          return outcome;
        },
        { signal },
      ),
  );
  rethrowSingle(runs);
  const outcomes = runs.flatMap((run) => (run.value === undefined ? [] : [run.value]));
  // Written once all hosts are done (hosts side by side would race on the summary file).
  if (fleet) await core.summary.addRaw(fleetSummary('Rollback', connection.environment, runs)).write();
  for (const run of runs)
    if (run.value !== undefined)
      await core.summary.addRaw(rollbackSummary(run.value, connection.environment, run.host)).write();
  await reportDiagnostics(
    outcomes.flatMap((outcome) => outcome.deploy?.diagnostics ?? []),
    'rollback',
  );
  const first = outcomes[0];
  if (first !== undefined) {
    core.setOutput('from-ref', first.fromRef);
    core.setOutput('to-ref', first.toRef);
    core.setOutput('restored-backup', first.restoredBackup ?? '');
  }
  if (fleet) {
    core.setOutput(
      'report',
      JSON.stringify({
        hosts: runs.map(({ cause: _cause, value, ...run }) => ({
          ...run,
          fromRef: value?.fromRef,
          toRef: value?.toRef,
          failure: value && failureOf(value),
        })),
      }),
    );
  }
  const ok = runs.every((run) => run.result === 'success');
  if (first !== undefined && !connection.dryRun) {
    const deployment = await GitHubDeployment.start(
      deploymentTarget(connection.githubToken, connection.environment),
      first.toRef,
      `rollback to ${first.toRef.slice(0, 12)}`,
    );
    await deployment?.status(
      ok ? 'success' : 'failure',
      `${settings.mode} rollback to ${first.toRef.slice(0, 12)}`,
    );
  }
  if (!ok) {
    if (!fleet && first !== undefined)
      throw new Error(`${settings.mode} rollback to ${first.toRef.slice(0, 12)} failed: ${failureOf(first)}`);
    throw new Error(`rollback of the fleet failed: ${fleetFailures(runs, failureOf)}`);
  }
}
