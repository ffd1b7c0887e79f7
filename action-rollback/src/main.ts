import * as core from '@actions/core';
import {
  deploymentTarget,
  fleetError,
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
  // `previous` is decided once, by the first host (which then goes alone): after a fleet deploy that
  // stopped half way, each host's own ledger would name a different release, and the fleet would end
  // on several. The others go to the commit the first one went to.
  let resolved: RollbackSettings | undefined;
  const runs = await forEachHost(
    connection,
    {
      signal,
      passed: (outcome: RollbackOutcome) => failureOf(outcome) === undefined,
      firstAlone: fleet && settings.to.kind === 'previous',
    },
    (session, index) =>
      withDeployLock(
        session,
        connection,
        settings.deploy.lockTimeoutSeconds,
        holder,
        async () => {
          const own = index > 0 && resolved !== undefined ? resolved : settings;
          const outcome = await runRollback(own, {
            session,
            signal,
            actor: holder.actor,
            runUrl: holder.run_url,
            runId: holder.run_id,
          });
          if (index === 0 && settings.to.kind === 'previous' && outcome.toRef !== '')
            resolved = { ...settings, to: { kind: 'sha-or-tag', value: outcome.toRef } };
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
  const first = runs[0].value;
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
          stages: value?.stages,
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
    throw fleetError(`rollback of the fleet failed: ${fleetFailures(runs, failureOf)}`, runs);
  }
}
