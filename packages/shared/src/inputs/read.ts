/**
 * The only code that reads inputs (getInput). Secrets are masked before anything is validated, so no
 * error message can print them; every bad input becomes one line naming it.
 */
import { z } from 'zod';
import { ConfigurationError } from '../errors';
import { getInput, setSecret } from '../workflow-commands';
import { InputProblem } from './validators';

/** Wraps a validator as a zod piece: its InputProblem becomes a zod issue on that input. */
export function field<T>(parse: (raw: string) => T) {
  return z.string().transform((raw, context): T => {
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof InputProblem)) throw error;
      context.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  });
}

/** An input that may be left empty: undefined then, else validated. */
export function optionalField<T>(parse: (raw: string) => T) {
  return field((raw): T | undefined => (raw === '' ? undefined : parse(raw)));
}

/** Masks a secret and each of its lines: the runner masks whole lines, and a key spans many. */
export function maskSecret(value: string): void {
  if (value === '') return;
  setSecret(value);
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= 8) setSecret(trimmed);
  }
}

/**
 * Reads every input named in `defaults`, masks `secrets`, then validates with `schema`. An input the
 * runner did not set at all takes its default (the runner fills them from action.yml; this keeps a
 * run without action.yml the same); one set to '' stays '' (`migrate-service: ''` means the host).
 */
export function readInputs<Schema extends z.ZodType>(
  schema: Schema,
  defaults: Readonly<Record<string, string>>,
  secrets: readonly string[],
): z.output<Schema> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(defaults)) {
    const set = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] !== undefined;
    raw[name] = set ? getInput(name) : defaults[name];
  }
  for (const name of secrets) maskSecret(raw[name] ?? '');
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const input = issue.path.length > 0 ? String(issue.path[0]) : 'inputs';
    return `Input '${input}': ${issue.message}`;
  });
  throw new ConfigurationError(problems);
}
