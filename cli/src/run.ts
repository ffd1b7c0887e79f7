/**
 * `thinktank-deploy`: an action run from a terminal. The inputs become the INPUT_* variables the
 * runner would set, and the action's own reader and main part run in this process through the same
 * runAction, so the validation, the lock, the journal and the health gates are the actions' own. The
 * log is shown through TerminalLog; outputs and the summary come back from the files the runner
 * would read.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrivateKey, runAction, timelineText, type RunEnd, type StageTiming } from '@thinktank/shared';
import packageJson from '../../package.json';
import { inputsFromEnvFile, parseCommandLine, type CliOptions } from './args';
import { EXIT } from './commands';
import { promptSecret } from './prompt';
import { parseOutputFile, summaryText } from './report';
import { styleFor, TerminalLog, type Style } from './terminal';

type Write = typeof process.stdout.write;

export interface Streams {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

const RESULT_OF: Readonly<Record<RunEnd, string>> = {
  ok: 'success',
  'bad-input': 'bad input',
  'lock-busy': 'lock busy',
  cancelled: 'cancelled',
  failed: 'failed',
};

function readable(path: string, what: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${what}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return undefined;
  }
}

/**
 * The secrets and pins, from where a terminal keeps them: the key from --key-file (else the agent),
 * its passphrase from THINKTANK_SSH_PASSPHRASE or a prompt, known hosts from ~/.ssh/known_hosts.
 */
async function credentials(
  inputs: Record<string, string>,
  options: CliOptions,
  problems: string[],
): Promise<void> {
  const env = process.env;
  if (options.keyFile !== undefined) {
    const key = readable(options.keyFile, '--key-file', problems);
    if (key !== undefined) {
      inputs['private-key'] = key;
      let passphrase = env.THINKTANK_SSH_PASSPHRASE;
      if (passphrase === undefined && needsPassphrase(key)) {
        if (process.stdin.isTTY) passphrase = await promptSecret(`passphrase for ${options.keyFile}: `);
        if (passphrase === undefined)
          problems.push(
            `--key-file: ${options.keyFile} is encrypted; set THINKTANK_SSH_PASSPHRASE or run in a terminal to be asked`,
          );
      }
      if (passphrase !== undefined) inputs.passphrase = passphrase;
    }
  } else if (env.THINKTANK_SSH_PASSWORD !== undefined) inputs.password = env.THINKTANK_SSH_PASSWORD;
  else if ((env.SSH_AUTH_SOCK ?? '') === '')
    problems.push(
      'nothing to log in with: give --key-file PATH, start an SSH agent (SSH_AUTH_SOCK), or set THINKTANK_SSH_PASSWORD',
    );
  if (env.GITHUB_TOKEN !== undefined) inputs['github-token'] = env.GITHUB_TOKEN;
  if (inputs['known-hosts'] === undefined) {
    const file = options.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
    // The default file may be missing (host-fingerprint pins then); a file named on purpose may not.
    if (options.knownHostsFile !== undefined || existsSync(file)) {
      const text = readable(file, '--known-hosts-file', problems);
      if (text !== undefined) inputs['known-hosts'] = text;
    }
  }
}

function needsPassphrase(key: string): boolean {
  try {
    checkPrivateKey(key, undefined);
    return false;
  } catch (error) {
    return /encrypted/.test((error as Error).message);
  }
}

/** The INPUT_* variables the runner sets: upper case, spaces as `_`, hyphens kept. */
function setInputs(inputs: Record<string, string>): void {
  for (const name of Object.keys(process.env)) if (name.startsWith('INPUT_')) delete process.env[name];
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
}

export async function cli(argv: readonly string[], streams: Streams = process): Promise<number> {
  const parsed = parseCommandLine(argv);
  const say = (text: string) => streams.stderr.write(`${text}\n`);
  if (parsed.kind === 'help') {
    streams.stdout.write(`${parsed.text}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    streams.stdout.write(`thinktank-deploy ${packageJson.version}\n`);
    return EXIT.ok;
  }
  const json = parsed.kind === 'run' && parsed.options.json;
  const refuse = (problems: readonly string[]) => {
    for (const problem of problems) say(`error: ${problem}`);
    if (json)
      streams.stdout.write(
        `${JSON.stringify({ result: 'bad input', exit_code: EXIT.badInput, errors: problems })}\n`,
      );
    return EXIT.badInput;
  };
  if (parsed.kind === 'problems') return refuse(parsed.problems);

  const { command, options } = parsed;
  const problems: string[] = [];
  let inputs: Record<string, string> = {};
  if (options.envFile !== undefined) {
    const text = readable(options.envFile, '--env-file', problems);
    if (text !== undefined) {
      const fromFile = inputsFromEnvFile(text, command, options.envFile);
      inputs = fromFile.inputs;
      problems.push(...fromFile.problems);
    }
  }
  inputs = { ...inputs, ...parsed.flags };
  if (problems.length === 0) await credentials(inputs, options, problems);
  if (problems.length > 0) return refuse(problems);

  // The log goes to stdout, or to stderr when stdout carries the JSON.
  const logStream = json ? streams.stderr : streams.stdout;
  const tty = logStream.isTTY === true;
  const style = styleFor(tty);
  // Bound now: process.stdout.write is replaced below, and the log must reach the real one.
  const show = logStream.write.bind(logStream) as (text: string) => boolean;
  const log = new TerminalLog({
    sink: (text) => void show(text),
    tty,
    style,
    verbose: options.verbose,
    // 0 from a pseudo-terminal nobody sized.
    columns: logStream.columns || 80,
  });
  const scratch = mkdtempSync(join(tmpdir(), 'thinktank-deploy-'));
  const originalWrite = process.stdout.write;
  let end: RunEnd;
  let outputs: Record<string, string>;
  let summary: string;
  try {
    setInputs(inputs);
    process.env.GITHUB_OUTPUT = join(scratch, 'output');
    process.env.GITHUB_STEP_SUMMARY = join(scratch, 'summary');
    writeFileSync(process.env.GITHUB_OUTPUT, '', { mode: 0o600 });
    writeFileSync(process.env.GITHUB_STEP_SUMMARY, '', { mode: 0o600 });
    process.stdout.write = ((chunk: unknown) => {
      log.write(typeof chunk === 'string' ? chunk : String(chunk));
      return true;
    }) as Write;
    const interrupts = forceExitOnSecondInterrupt(say);
    try {
      end = await runAction(command.readInputs, command.loadMain);
    } finally {
      interrupts();
    }
    outputs = parseOutputFile(readFileSync(process.env.GITHUB_OUTPUT, 'utf8'));
    summary = readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8');
  } finally {
    log.finish();
    process.stdout.write = originalWrite;
    rmSync(scratch, { recursive: true, force: true });
  }
  if (options.summaryFile !== undefined) writeFileSync(options.summaryFile, log.mask(summary));

  const rolledBack = parsed.name === 'deploy' && end === 'failed' && outputs['rolled-back'] === 'true';
  const code = rolledBack
    ? EXIT.rolledBack
    : {
        ok: EXIT.ok,
        'bad-input': EXIT.badInput,
        'lock-busy': EXIT.lockBusy,
        cancelled: EXIT.cancelled,
        failed: EXIT.failed,
      }[end];
  const result = rolledBack ? 'rolled back' : RESULT_OF[end];
  if (json) {
    let report: unknown = outputs.report;
    try {
      if (report !== undefined) report = JSON.parse(String(report));
    } catch {
      // Left as text.
    }
    const document = {
      command: parsed.name,
      result,
      exit_code: code,
      duration_seconds: Number(log.elapsed().replace('s', '')),
      outputs: { ...outputs, ...(report === undefined ? {} : { report }) },
      errors: log.errors,
      warnings: log.warnings,
    };
    streams.stdout.write(`${log.mask(JSON.stringify(document))}\n`);
  } else {
    show(finalText(parsed.name, result, code, log, outputs, summary, style, logStream.columns || 80));
  }
  return code;
}

/** The stages in a `report` output: its own, or each host's in a fleet (the summary's chart, as text). */
function stagesOf(report: string | undefined): StageTiming[] {
  type Reported = { stages?: StageTiming[]; hosts?: { outcome?: { stages?: StageTiming[] } }[] };
  let parsed: Reported;
  try {
    parsed = JSON.parse(report ?? '{}') as Reported;
  } catch {
    return [];
  }
  if (Array.isArray(parsed.hosts)) return parsed.hosts.flatMap((host) => host.outcome?.stages ?? []);
  return Array.isArray(parsed.stages) ? parsed.stages : [];
}

function finalText(
  name: string,
  result: string,
  code: number,
  log: TerminalLog,
  outputs: Record<string, string>,
  summary: string,
  style: Style,
  columns: number,
): string {
  const colour = code === EXIT.ok ? style.green : style.red;
  const shown = Object.entries(outputs).filter(([output]) => output !== 'report');
  const width = Math.max(0, ...shown.map(([output]) => output.length));
  const lines = [
    '',
    colour(style.bold(`${name}: ${result} in ${log.elapsed()} (exit code ${code})`)),
    ...shown.map(([output, value]) => `  ${output.padEnd(width)}  ${value}`),
  ];
  const timeline = timelineText(stagesOf(outputs.report), columns);
  if (timeline !== '') lines.push('', style.bold('Timeline'), timeline);
  const text = summaryText(summary, style);
  if (text !== '') lines.push('', text);
  return `${log.mask(lines.join('\n'))}\n`;
}

/**
 * The first Ctrl-C cancels the run as the runner's cancel does (remote work stopped, the journal
 * told, the lock let go); a second one exits at once, for a person who will not wait for that.
 */
function forceExitOnSecondInterrupt(say: (text: string) => void): () => void {
  let seen = 0;
  const onInterrupt = () => {
    seen += 1;
    if (seen === 1) say('stopping: remote commands are being stopped; Ctrl-C again to exit at once');
    else {
      say('exiting at once: the server may be mid-change; run health before anything else');
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onInterrupt);
  return () => process.off('SIGINT', onInterrupt);
}
