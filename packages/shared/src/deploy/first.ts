/**
 * Runbook §2, a first deployment: app-dir is not a checkout yet. The server gets the repository with
 * its own credentials (never a token from the runner), the target is checked out while nothing runs,
 * and the preflight (§1) must pass before anything is built or started.
 */
import * as core from '@actions/core';
import { judgeServices, readServicesState, type Compose } from '../compose/compose';
import { judgeHealthAnswer, probeOnServer, type CheckResult } from '../health/checks';
import { dependencyChecks } from '../health/dependencies';
import { parseMetrics } from '../health/prometheus';
import { preflightChecks } from '../health/preflight';
import { CHECKOUT_STATE_SCRIPT, checkoutCommand, fetchRemote, INIT_CHECKOUT_SCRIPT } from '../git/git';
import type { DeploySettings, FirstDeploymentSettings } from '../inputs/deploy';
import { commandLine, toSshCommand } from '../shell';
import type { RemoteSession } from '../ssh/session';
import { inert } from '../ssh/output';

export type CheckoutState =
  | { readonly kind: 'checkout' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'not-a-checkout'; readonly entries: readonly string[] };

export async function readCheckoutState(session: RemoteSession, appDir: string): Promise<CheckoutState> {
  const [kind, ...entries] = (
    await session.run(toSshCommand(CHECKOUT_STATE_SCRIPT, [appDir]), 'looking at app-dir', {
      echo: 'stderr',
      timeoutSeconds: 60,
    })
  )
    .trim()
    .split('\n');
  if (kind === 'checkout' || kind === 'absent') return { kind };
  return { kind: 'not-a-checkout', entries: entries.filter((entry) => entry !== '') };
}

/** What a first deployment does before the live state can be read, for a dry run's listing. */
export function firstDeploymentSteps(settings: DeploySettings): string[] {
  const { appDir } = settings.connection;
  return [
    `create a git repository in ${appDir} with remote ${settings.remote} = ${settings.firstDeployment?.repository ?? '(repository not set: refused)'}`,
    `git fetch ${settings.remote} (with the server's own credentials), check out ${settings.ref}`,
    `preflight (runbook §1): resources, Docker and Compose, tools, ${settings.firstDeployment?.preflight.envFile ?? '.env'} secrets, TLS certificate`,
    'build, start the whole stack (dependencies first), migrate, start each service and wait until it is healthy',
    'post-deployment checklist: every service healthy, health-url, /metrics, the backup container, the TLS certificate',
  ];
}

/**
 * Makes app-dir a checkout of `repository` at the target when it is not one, and returns the commit
 * checked out; undefined when it already was one (nothing done). Refuses when `repository` is not set.
 */
export async function ensureCheckout(
  session: RemoteSession,
  settings: DeploySettings,
  resolve: () => Promise<string>,
): Promise<string | undefined> {
  const { appDir } = settings.connection;
  const repository = settings.firstDeployment?.repository;
  const state = await readCheckoutState(session, appDir);
  if (state.kind === 'checkout') return undefined;
  const what =
    state.kind === 'absent'
      ? 'does not exist'
      : `is not a git checkout (it holds: ${state.entries.join(', ') || 'nothing'})`;
  if (repository === undefined)
    throw new Error(
      inert(
        `${appDir} on ${session.label} ${what}. A first deployment (runbook §2) clones the application there: ` +
          'set the repository input (the server fetches it with its own deploy key), or clone it by hand',
      ),
    );
  core.info(inert(`${appDir} ${what}: first deployment from ${repository}`));
  await session.run(
    toSshCommand(INIT_CHECKOUT_SCRIPT, [appDir, settings.remote, repository]),
    `creating the repository in ${appDir}`,
  );
  await session.run(commandLine(fetchRemote(appDir, settings.remote)), `git fetch ${settings.remote}`);
  // Nothing runs yet: checking the target out now changes nothing that serves.
  const sha = await resolve();
  await session.run(commandLine(checkoutCommand(appDir, sha)), 'git checkout');
  return sha;
}

/** The .env refusal: what the file must hold, and how the runbook makes the secrets (on the server). */
function envFileRefusal(first: FirstDeploymentSettings, label: string): string {
  const { envFile, requiredSecrets, appDir } = first.preflight;
  return (
    `${envFile} is missing in ${appDir} on ${label}: create it on the server before the first ` +
    `deployment (runbook §2: cp .env.example ${envFile}), with ${requiredSecrets.join(', ') || 'the application settings'} ` +
    'set and non-empty. Make the secrets on the server, never in CI: `openssl rand -hex 32` for JWT_SECRET_KEY ' +
    'and ENCRYPTION_KEY, `openssl rand -base64 24` for DB_PASSWORD; keep the file readable by the deploy user only ' +
    `(chmod 600). The repository is checked out; nothing was built or started`
  );
}

/**
 * Runbook §1 before a first deployment: the rows, and why the deployment must not go on (undefined =
 * it may). Warnings (below the recommended size, an OS other than Ubuntu) do not stop it.
 */
export async function firstDeploymentPreflight(
  session: RemoteSession,
  first: FirstDeploymentSettings,
): Promise<{ rows: CheckResult[]; refusal: string | undefined }> {
  const rows = await preflightChecks(session, first.preflight);
  logRows(rows);
  const failed = rows.filter((row) => row.verdict === 'fail');
  if (failed.length === 0) return { rows, refusal: undefined };
  const envFile = rows.find((row) => row.check === `env-file ${first.preflight.envFile}`);
  return {
    rows,
    refusal:
      envFile?.verdict === 'fail'
        ? envFileRefusal(first, session.label)
        : `the preflight (runbook §1) failed on ${session.label}: ${failed.map((row) => `${row.check}: ${row.value}`).join('; ')}. ` +
          'Nothing was built or started (the thresholds are inputs: min-cpus, min-memory-gb, min-disk-gb, ...)',
  };
}

function logRows(rows: readonly CheckResult[]): void {
  for (const row of rows) {
    const line = inert(`${row.check}: ${row.value} (${row.verdict})`);
    if (row.verdict === 'fail') core.error(line);
    else if (row.verdict === 'warn') core.warning(line);
    else core.info(line);
  }
}

/**
 * Runbook §2's post-deployment checklist, the items a machine can check: every service of the stack
 * running and healthy, health-url, /metrics served, the backup container running, the TLS certificate
 * valid. (The browser checks, login and DNS stay with a person.)
 */
export async function postDeploymentChecklist(
  session: RemoteSession,
  compose: Compose,
  settings: DeploySettings,
  first: FirstDeploymentSettings,
  stack: readonly string[],
  preflightRows: readonly CheckResult[],
): Promise<CheckResult[]> {
  const host = session.label;
  const { connection } = settings;
  const rows: CheckResult[] = [];
  const add = (check: string, value: string, threshold: string, ok: boolean) =>
    rows.push({ host, check, value, threshold, verdict: ok ? 'pass' : 'fail' });
  for (const verdict of judgeServices(await readServicesState(session, compose, connection, stack)))
    add(`service ${verdict.service}`, verdict.state, 'running, healthy where checked', verdict.ok);
  const health = judgeHealthAnswer(await probeOnServer(session, settings.healthUrl), 'healthy');
  add(`health-url ${settings.healthUrl}`, health.value, 'status healthy', health.ok);
  if (first.metricsUrl !== undefined) {
    const metrics = await probeOnServer(session, first.metricsUrl, 8 * 1024 * 1024);
    const samples = metrics.status >= 200 && metrics.status < 300 ? parseMetrics(metrics.body).length : 0;
    add(
      `metrics ${first.metricsUrl}`,
      metrics.status === 0
        ? `no answer (${metrics.error ?? 'unknown'})`
        : `HTTP ${metrics.status}, ${samples} samples`,
      'Prometheus text',
      samples > 0,
    );
  }
  if (first.backupContainer !== undefined) {
    const backup = (
      await dependencyChecks(
        session,
        {
          postgresContainer: undefined,
          redisContainer: undefined,
          backupContainer: first.backupContainer,
          appDir: connection.appDir,
          composeFile: connection.composeFile,
        },
        undefined,
      )
    ).find((row) => row.check.startsWith('backup container') || row.check === 'dependencies');
    if (backup) add(backup.check, backup.value, 'running', backup.verdict === 'pass');
  }
  // The certificate as the preflight of this run read it (a deploy changes no certificate): its
  // row, or the preflight script's own failure row when it could not run (never nothing).
  const tls = preflightRows.find((row) => row.check.startsWith('tls-cert') || row.check === 'preflight');
  if (tls) rows.push({ ...tls, minimum: undefined, recommended: undefined });
  logRows(rows);
  return rows;
}
