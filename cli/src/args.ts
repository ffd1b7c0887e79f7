/**
 * The command line: `thinktank-deploy COMMAND [--input value ...]`. Every action input is a
 * `--kebab-case` flag; `--env-file` replays a workflow's inputs (`INPUT_DRY-RUN=true` or
 * `dry-run=true` lines), and flags given after it win. Parsing is Node's own util.parseArgs and
 * util.parseEnv; this file only maps names.
 */
import { parseArgs, parseEnv } from 'node:util';
import { COMMANDS, SECRET_INPUTS, type Command } from './commands';

/**
 * Flags of the CLI itself, not inputs of an action. `--env-file` is also the name of an input
 * (preflight's env file on the server): that input is given as `--input env-file=PATH` or in the
 * inputs file, and `--input NAME=VALUE` works for every input.
 */
const CLI_OPTIONS = {
  'env-file': { type: 'string' },
  input: { type: 'string', multiple: true },
  'key-file': { type: 'string' },
  'known-hosts-file': { type: 'string' },
  'summary-file': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliOptions {
  readonly envFile?: string;
  readonly keyFile?: string;
  readonly knownHostsFile?: string;
  readonly summaryFile?: string;
  readonly json: boolean;
  readonly verbose: boolean;
}

export type Parsed =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'problems'; readonly problems: readonly string[] }
  | {
      readonly kind: 'run';
      readonly name: string;
      readonly command: Command;
      /** The inputs given on the command line, by input name (kebab-case). */
      readonly flags: Readonly<Record<string, string>>;
      readonly options: CliOptions;
    };

export function usage(name?: string): string {
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    return [
      'usage: thinktank-deploy COMMAND [--INPUT VALUE ...] [--env-file FILE] [--key-file PATH]',
      '                        [--known-hosts-file PATH] [--summary-file PATH] [--json] [--verbose]',
      '',
      'commands (each takes its action’s inputs as flags; thinktank-deploy COMMAND --help lists them):',
      ...Object.entries(COMMANDS).map(([each, { summary }]) => `  ${each.padEnd(9)} ${summary}`),
      '',
      'exit codes: 0 ok, 1 failed, 2 bad input, 3 deploy lock busy, 4 failed and rolled back, 130 cancelled',
    ].join('\n');
  }
  const width = Math.max(...Object.keys(command.inputs).map((input) => input.length)) + 4;
  return [
    `usage: thinktank-deploy ${name} [--INPUT VALUE ...]`,
    `  ${command.summary}`,
    '',
    'inputs (default in brackets):',
    ...Object.entries(command.inputs).map(([input, fallback]) =>
      input in SECRET_INPUTS
        ? `  ${input.padEnd(width)} not a flag: ${SECRET_INPUTS[input]}`
        : input in CLI_OPTIONS
          ? `  ${input.padEnd(width)} --input ${input}=VALUE [${fallback}]`
          : `  --${input.padEnd(width - 2)} [${fallback}]`,
    ),
    '',
    'of the CLI:',
    '  --env-file FILE           inputs as INPUT_NAME=value or name=value lines (flags win)',
    '  --input NAME=VALUE        any input (the env-file input is given this way), repeatable',
    '  --key-file PATH           the private key to log in with (default: the SSH agent)',
    '  --known-hosts-file PATH   host keys to pin (default ~/.ssh/known_hosts)',
    '  --summary-file PATH       also write the job summary (Markdown) there',
    '  --json                    one JSON object on stdout; the log goes to stderr',
    '  --verbose                 also print debug lines',
  ].join('\n');
}

/** The input an env-file key names: `INPUT_DRY-RUN`, `DRY_RUN` and `dry-run` all name dry-run. */
export function inputNameOf(key: string): string {
  return key
    .replace(/^INPUT_/i, '')
    .toLowerCase()
    .replace(/_/g, '-');
}

/**
 * Reads an env file's text into inputs of `command`. Unknown names are problems, not ignored: a
 * replayed workflow that sets an input this command does not have would otherwise run differently.
 */
export function inputsFromEnvFile(
  text: string,
  command: Command,
  file: string,
): { inputs: Record<string, string>; problems: string[] } {
  const inputs: Record<string, string> = {};
  const problems: string[] = [];
  const keyOf: Record<string, string> = {};
  // A byte-order mark (Windows editors) would otherwise be part of the first key.
  for (const [key, value] of Object.entries(parseEnv(text.replace(/^\uFEFF/, '')))) {
    const input = inputNameOf(key);
    if (input in SECRET_INPUTS)
      problems.push(
        `${file}: ${key} holds a secret; give it by ${SECRET_INPUTS[input]}, not in an inputs file`,
      );
    else if (!(input in command.inputs)) problems.push(`${file}: ${key} is not an input of this command`);
    else if (keyOf[input] !== undefined)
      problems.push(`${file}: ${keyOf[input]} and ${key} both set ${input}; keep one`);
    else {
      keyOf[input] = key;
      inputs[input] = value ?? '';
    }
  }
  return { inputs, problems };
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help')
    return { kind: 'help', text: usage() };
  if (name === '--version') return { kind: 'version' };
  const command = COMMANDS[name];
  if (command === undefined) return { kind: 'problems', problems: [`unknown command '${name}'\n${usage()}`] };

  // Refused before parsing, by name, so the message says why and where the secret goes instead.
  const problems: string[] = [];
  for (const arg of rest) {
    const flag = /^--([^=]+)/.exec(arg)?.[1];
    if (flag !== undefined && flag in SECRET_INPUTS)
      problems.push(
        `--${flag} is refused: a secret on the command line is in the shell's history and in ps; use ${SECRET_INPUTS[flag]}`,
      );
  }
  if (problems.length > 0) return { kind: 'problems', problems };

  const inputOptions = Object.fromEntries(
    Object.keys(command.inputs)
      .filter((input) => !(input in SECRET_INPUTS) && !(input in CLI_OPTIONS))
      .map((input) => [input, { type: 'string' as const }]),
  );
  let values: Record<string, string | boolean | string[] | undefined>;
  let tokens: ReturnType<typeof parseArgs>['tokens'];
  try {
    ({ values, tokens } = parseArgs({
      args: [...rest],
      options: { ...inputOptions, ...CLI_OPTIONS },
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (error) {
    return {
      kind: 'problems',
      problems: [`${(error as Error).message} (thinktank-deploy ${name} --help lists the inputs)`],
    };
  }
  if (values.help === true) return { kind: 'help', text: usage(name) };
  // Each input once: a second --host would otherwise win silently (a fleet is one comma-separated value).
  const given = new Set<string>();
  const once = (input: string, as: string) => {
    if (given.has(input)) problems.push(`${as} is given twice; give each input once`);
    given.add(input);
  };
  for (const token of tokens ?? [])
    if (token.kind === 'option' && token.name !== 'input' && token.name in inputOptions)
      once(token.name, `--${token.name}`);
  const flags: Record<string, string> = {};
  for (const pair of (values.input as string[] | undefined) ?? []) {
    const at = pair.indexOf('=');
    const input = pair.slice(0, Math.max(at, 0));
    // The name only: a mistyped name's value may be a secret.
    if (at < 1 || !(input in command.inputs))
      problems.push(`--input ${at < 1 ? '(no NAME=)' : input}: give NAME=VALUE with an input of ${name}`);
    else if (input in SECRET_INPUTS)
      problems.push(
        `--input ${input} is refused: a secret on the command line is in the shell's history and in ps; use ${SECRET_INPUTS[input]}`,
      );
    else {
      once(input, `${input} (--${input} or --input ${input}=)`);
      flags[input] = pair.slice(at + 1);
    }
  }
  for (const input of Object.keys(inputOptions))
    if (typeof values[input] === 'string') flags[input] = values[input];
  if (problems.length > 0) return { kind: 'problems', problems };
  const text = (key: string) => (typeof values[key] === 'string' ? values[key] : undefined);
  return {
    kind: 'run',
    name,
    command,
    flags,
    options: {
      envFile: text('env-file'),
      keyFile: text('key-file'),
      knownHostsFile: text('known-hosts-file'),
      summaryFile: text('summary-file'),
      json: values.json === true,
      verbose: values.verbose === true,
    },
  };
}
