/**
 * runAction: the one place that catches, reports and fails the step, and that turns a cancelled run
 * (SIGINT/SIGTERM from the runner) into stopping remote work and closing connections.
 */
import * as core from '@actions/core';
import { CancelledError, ConfigurationError, errorMessage } from './errors';

export interface RunContext {
  /** Aborted on SIGINT/SIGTERM; sessions stop their commands and close. */
  readonly signal: AbortSignal;
}

/** After the work ends, how long open handles may keep the process alive before it exits anyway. */
const EXIT_GRACE_MS = 10_000;

export async function runAction(main: (context: RunContext) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    core.warning(`received ${signal}: stopping remote commands and closing connections`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await main({ signal: controller.signal });
  } catch (error) {
    if (error instanceof ConfigurationError) {
      // One ::error line per problem; setFailed prints the last one, or a count when there are several.
      if (error.problems.length === 1) core.setFailed(error.problems[0]);
      else {
        for (const problem of error.problems) core.error(problem);
        core.setFailed(`${error.problems.length} problems with the inputs; nothing was run`);
      }
    } else if (error instanceof CancelledError) {
      core.setFailed(error.message);
    } else if (controller.signal.aborted) {
      core.setFailed(new CancelledError(String(controller.signal.reason ?? 'signal')).message);
    } else {
      // Not only Error instances: a thrown string must fail the step too.
      core.setFailed(errorMessage(error));
      if (error instanceof Error && error.stack) core.debug(error.stack);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A leaked socket or timer must not hold the step until the job timeout.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}
