/**
 * `thinktank-deploy`: an action run from a terminal. The inputs become the INPUT_* variables the
 * runner would set, and the action's own reader and main part run in this process through the same
 * runAction, so the validation, the lock, the journal and the health gates are the actions' own. The
 * log is shown through TerminalLog; outputs and the summary come back from the files the runner
 * would read.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrivateKey, parseKnownHosts, runAction, timelineText, type RunEnd } from '@thinktank/shared';
import packageJson from '../../package.json';
import { inputsFromEnvFile, parseCommandLine, type CliOptions } from './args';
import { EXIT } from './commands';
import { promptSecret } from './prompt';
import { parseOutputFile, summaryText } from './report';
import { cleanStrings, exitCodeOf, resultOf, stagesOf } from './outcome';
import { styleFor, TerminalLog, withoutControls, type Style } from './terminal';

type Write = typeof process.stdout.write;

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
  warnings: string[],
): Promise<void> {
  const env = process.env;
  if (options.keyFile !== undefined) {
    const key = readable(options.keyFile, '--key-file', problems);
    if (key !== undefined) {
      inputs['private-key'] = key;
      let passphrase = env.THINKTANK_SSH_PASSPHRASE;
      if (passphrase === undefined && needsPassphrase(key)) {
        if (!process.stdin.isTTY)
          problems.push(
            `--key-file: ${options.keyFile} is encrypted; set THINKTANK_SSH_PASSPHRASE or run in a terminal to be asked`,
          );
        else {
          const answer = await promptSecret(`passphrase for ${options.keyFile}: `);
          if (answer === undefined) process.exit(EXIT.cancelled);
          passphrase = answer;
        }
      }
      if (passphrase !== undefined) inputs.passphrase = passphrase;
    }
  } else if (env.THINKTANK_SSH_PASSWORD !== undefined) inputs.password = env.THINKTANK_SSH_PASSWORD;
  else {
    const agent = env.SSH_AUTH_SOCK ?? '';
    if (agent === '')
      problems.push(
        'nothing to log in with: give --key-file PATH, start an SSH agent (SSH_AUTH_SOCK), or set THINKTANK_SSH_PASSWORD',
      );
    else if (!isSocket(agent))
      problems.push(
        `SSH_AUTH_SOCK: ${agent} is not a socket (is the SSH agent running?); or give --key-file PATH`,
      );
    // The library uses an agent only when told by this variable (never a runner's SSH_AUTH_SOCK).
    else env.THINKTANK_SSH_AGENT = agent;
  }
  if (env.GITHUB_TOKEN !== undefined) inputs['github-token'] = env.GITHUB_TOKEN;
  if (inputs['known-hosts'] !== undefined) return;
  // With host-fingerprint and no file named, the pins are those alone.
  if (options.knownHostsFile === undefined && inputs['host-fingerprint'] !== undefined) return;
  const file = options.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts');
  // The default file may be missing (host-fingerprint pins then); a file named on purpose may not.
  if (options.knownHostsFile === undefined && !existsSync(file)) return;
  const text = readable(file, '--known-hosts-file', problems);
  if (text !== undefined) inputs['known-hosts'] = usableKnownHosts(text, file, warnings);
}

/**
 * A known_hosts file as OpenSSH reads it: a line it cannot use (an SSH1 key, a typo) is skipped
 * with a warning, not a reason to refuse every host in the file.
 */
function usableKnownHosts(text: string, file: string, warnings: string[]): string {
  return text
    .split('\n')
    .map((line, index) => {
      const problem = parseKnownHosts(line).problems[0];
      if (problem === undefined) return line;
      warnings.push(`${file}: line ${index + 1} skipped (${problem.replace(/^line 1: /, '')})`);
      return '';
    })
    .join('\n');
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
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

export async function cli(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  // Text that names what the user gave (paths, inputs-file keys) is shown without control characters.
  const say = (text: string) => process.stderr.write(`${withoutControls(text)}\n`);
  if (parsed.kind === 'help') {
    process.stdout.write(`${parsed.text}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`thinktank-deploy ${packageJson.version}\n`);
    return EXIT.ok;
  }
  // Asked for before the command line is known good: a refusal is JSON too.
  const json = parsed.kind === 'run' ? parsed.options.json : argv.includes('--json');
  const refuse = (problems: readonly string[]) => {
    for (const problem of problems) say(`error: ${problem}`);
    if (json) {
      const document = {
        command: parsed.kind === 'run' ? parsed.name : argv[0],
        result: resultOf(EXIT.badInput),
        exit_code: EXIT.badInput,
        duration_seconds: 0,
        outputs: {},
        errors: problems,
        warnings: [],
      };
      process.stdout.write(`${JSON.stringify(cleanStrings(document, (text) => text))}\n`);
    }
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
  const warnings: string[] = [];
  if (problems.length === 0) await credentials(inputs, options, problems, warnings);
  // Known before any work: a summary file that cannot be written must not fail a run that is done.
  if (options.summaryFile !== undefined) {
    try {
      writeFileSync(options.summaryFile, '');
    } catch (error) {
      problems.push(
        `--summary-file: cannot write ${options.summaryFile}: ${(error as NodeJS.ErrnoException).code}`,
      );
    }
  }
  if (problems.length > 0) return refuse(problems);
  for (const warning of warnings) say(`warning: ${warning}`);

  // The log goes to stdout, or to stderr when stdout carries the JSON.
  const logStream = json ? process.stderr : process.stdout;
  const tty = logStream.isTTY === true;
  const style = styleFor(tty);
  // Bound now: process.stdout.write is replaced below, and the log must reach the real one.
  const show = logStream.write.bind(logStream) as (text: string) => boolean;
  // A reader that went away (`| head`, a closed terminal) must not end the run mid-change: the rest of
  // the log is dropped, and the run goes on to its end (a closed terminal's SIGHUP cancels it).
  let readerGone = false;
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', () => {
      readerGone = true;
    });
  const log = new TerminalLog({
    sink: (text) => {
      if (!readerGone) show(text);
    },
    tty,
    style,
    verbose: options.verbose,
    // 0 from a pseudo-terminal nobody sized.
    columns: logStream.columns || 80,
  });
  const scratch = mkdtempSync(join(tmpdir(), 'thinktank-deploy-'));
  // Also on a second Ctrl-C's process.exit, which skips every `finally`.
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
  process.on('exit', removeScratch);
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
    removeScratch();
    process.off('exit', removeScratch);
  }
  const code = exitCodeOf(parsed.name, end, outputs);
  const result = resultOf(code);
  try {
    if (options.summaryFile !== undefined) writeFileSync(options.summaryFile, log.mask(summary));
  } catch (error) {
    say(`warning: --summary-file: ${(error as Error).message}`);
  }
  if (readerGone) return code;
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
      warnings: [...warnings, ...log.warnings],
    };
    process.stdout.write(`${JSON.stringify(cleanStrings(document, (text) => log.mask(text)))}\n`);
  } else {
    show(finalText(parsed.name, result, code, log, outputs, summary, style, logStream.columns || 80));
  }
  return code;
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
    // Outputs quote the server (SQL, revisions, backup names): masked, and without control characters.
    ...shown.map(([output, value]) => `  ${output.padEnd(width)}  ${withoutControls(log.mask(value))}`),
  ];
  const timeline = timelineText(stagesOf(outputs.report), columns);
  if (timeline !== '') lines.push('', style.bold('Timeline'), log.mask(timeline));
  const text = summaryText(log.mask(summary), style);
  if (text !== '') lines.push('', text);
  return `${lines.join('\n')}\n`;
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
