/**
 * A mistake in what the user gave (an input, a key, a pin): printed without a stack, kept apart
 * from bugs, which keep theirs.
 */
export class ConfigurationError extends Error {
  /** One line per problem; each is printed as its own `::error`. */
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.name = 'ConfigurationError';
    this.problems = list;
  }
}

/** The run was cancelled (SIGINT/SIGTERM from the runner). */
export class CancelledError extends Error {
  constructor(signal: string, detail?: string) {
    super(
      `cancelled by ${signal}: remote work was stopped and connections were closed${detail ? `. ${detail}` : ''}`,
    );
    this.name = 'CancelledError';
  }
}

/** The deploy lock stayed busy for lock-timeout: another run holds it. */
export class LockTimeoutError extends Error {}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
