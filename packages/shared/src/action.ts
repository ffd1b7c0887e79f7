/**
 * runAction: the one place that catches, reports and fails the step, and that turns a cancelled run
 * (SIGINT/SIGTERM from the runner, SIGHUP from a closed terminal) into stopping remote work and closing connections.
 */
import { CancelledError, ConfigurationError, errorMessage, LockTimeoutError } from './errors';
import * as workflow from './workflow-commands';

export interface RunContext {
  /** Aborted on SIGINT/SIGTERM; sessions stop their commands and close. */
  readonly signal: AbortSignal;
}

/** After the work ends, how long open handles may keep the process alive before it exits anyway. */
const EXIT_GRACE_MS = 10_000;

/**
 * How a run ended, for callers that tell endings apart (the terminal CLI's exit codes); the step
 * itself only fails or not.
 */
export type RunEnd = 'ok' | 'bad-input' | 'lock-busy' | 'cancelled' | 'failed';

/** An action's main part: does the work with inputs already validated. */
export type Main<Settings> = (settings: Settings, context: RunContext) => Promise<void>;

/**
 * Reads and validates the inputs with `readInputs`, then loads the main part with `loadMain` (an
 * `import()`, which the bundler puts in a chunk of its own) and runs it. SSH, GitHub and the work
 * load only once the inputs are valid: a run refused for a bad input starts without them. An entry
 * imports nothing else from `@thinktank/shared`, which declares `sideEffects: false` so that the
 * bundler leaves the modules it does not use out of the entry's file.
 */
export async function runAction<Settings>(
  readInputs: () => Settings,
  loadMain: () => Promise<{ readonly main: Main<Settings> }>,
): Promise<RunEnd> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    workflow.warning(`received ${signal}: stopping remote commands and closing connections`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal (the CLI's) or SSH session to a jump box: stop as a cancel does, not mid-command.
  process.on('SIGHUP', onSignal);
  try {
    const settings = readInputs();
    const { main } = await loadMain();
    await main(settings, { signal: controller.signal });
    return 'ok';
  } catch (error) {
    if (error instanceof ConfigurationError) {
      // One ::error line per problem; setFailed prints the last one, or a count when there are several.
      if (error.problems.length === 1) workflow.setFailed(error.problems[0]);
      else {
        for (const problem of error.problems) workflow.error(problem);
        workflow.setFailed(`${error.problems.length} problems with the inputs; nothing was run`);
      }
      return 'bad-input';
    }
    if (error instanceof CancelledError) {
      workflow.setFailed(error.message);
      return 'cancelled';
    }
    if (controller.signal.aborted) {
      workflow.setFailed(new CancelledError(String(controller.signal.reason ?? 'signal')).message);
      return 'cancelled';
    }
    // Not only Error instances: a thrown string must fail the step too.
    workflow.setFailed(errorMessage(error));
    if (error instanceof Error && error.stack) workflow.debug(error.stack);
    return error instanceof LockTimeoutError ? 'lock-busy' : 'failed';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    // A leaked socket or timer must not hold the step until the job timeout.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}
