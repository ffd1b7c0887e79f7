/**
 * What a person sees in a terminal instead of the runner's log view. The library writes the Actions
 * log (workflow commands on stdout); this reads that stream line by line and shows it the way the
 * runner's page would: masks applied and their values never shown, groups as stages with elapsed
 * time, annotations as `error:`/`warning:` lines, debug lines only with --verbose. Text from servers
 * and containers can carry terminal escape sequences: every control character is removed before a
 * line is shown, and only this file's own colours reach the terminal.
 */

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';

/** C0 and C1 control characters but tab: ESC sequences, carriage returns, bells, backspaces. */

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function withoutControls(text: string): string {
  return text.replace(CONTROL, '');
}

/** A workflow command's data, as @actions/core escapes it (escapeData). */
export function unescapeData(text: string): string {
  return text.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}

export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly red: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly green: (text: string) => string;
  readonly cyan: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const PLAIN: Style = {
  bold: (text) => text,
  dim: (text) => text,
  red: (text) => text,
  yellow: (text) => text,
  green: (text) => text,
  cyan: (text) => text,
};
const COLOURED: Style = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  yellow: sgr(33, 39),
  green: sgr(32, 39),
  cyan: sgr(36, 39),
};

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function styleFor(tty: boolean, env: NodeJS.ProcessEnv = process.env): Style {
  return tty && (env.NO_COLOR ?? '') === '' ? COLOURED : PLAIN;
}

export interface TerminalLogOptions {
  /** Where the shown text goes. */
  readonly sink: (text: string) => void;
  /** A terminal: a spinner line for the running stage, and colours. */
  readonly tty: boolean;
  readonly style: Style;
  readonly verbose: boolean;
  /** The terminal's width: the spinner line must not wrap, or erasing it leaves a row behind. */
  readonly columns?: number;
  readonly now?: () => number;
}

const COMMAND = /^::([a-z-]+)(?: [^:]*)?::(.*)$/;

export class TerminalLog {
  private readonly started: number;
  private readonly now: () => number;
  private readonly masks = new Set<string>();
  private pending = '';
  /** While set, lines are shown as they are until `::token::` (the runner's stop-commands). */
  private stopToken: string | undefined;
  private stage: { readonly name: string; readonly started: number } | undefined;
  private spinner: NodeJS.Timeout | undefined;
  private frame = 0;
  private spinnerShown = false;
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly options: TerminalLogOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (options.tty) {
      this.spinner = setInterval(() => this.drawSpinner(), 100);
      this.spinner.unref();
    }
  }

  /** A chunk of the Actions log, as the library writes it. */
  write(chunk: string): void {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.line(line.replace(/\r$/, ''));
  }

  /** Shows what is left of a line written without its end, and stops the spinner. */
  finish(): void {
    if (this.pending !== '') this.line(this.pending);
    this.pending = '';
    if (this.spinner !== undefined) clearInterval(this.spinner);
    this.spinner = undefined;
    this.eraseSpinner();
  }

  /** `text` with every masked value replaced, as the runner shows it. */
  mask(text: string): string {
    let masked = text;
    // Longest first: a value that holds another shorter one is hidden whole.
    for (const value of [...this.masks].sort((a, b) => b.length - a.length))
      masked = masked.replaceAll(value, '***');
    return masked;
  }

  elapsed(): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)}s`;
  }

  private line(raw: string): void {
    const { style } = this.options;
    if (this.stopToken !== undefined) {
      if (raw === `::${this.stopToken}::`) this.stopToken = undefined;
      else this.show(raw);
      return;
    }
    const command = COMMAND.exec(raw);
    if (command === null) return this.show(raw);
    const [, name, data] = command;
    const message = unescapeData(data);
    switch (name) {
      case 'add-mask':
        if (message !== '') this.masks.add(message);
        return;
      case 'stop-commands':
        this.stopToken = data;
        return;
      case 'group':
        this.stage = { name: message, started: this.now() };
        return this.show(message, (text) => style.bold(`▶ ${text}`));
      case 'endgroup':
        this.stage = undefined;
        return;
      case 'error':
        this.errors.push(this.mask(message));
        return this.show(message, (text) => style.red(`error: ${text}`));
      case 'warning':
        this.warnings.push(this.mask(message));
        return this.show(message, (text) => style.yellow(`warning: ${text}`));
      case 'notice':
        return this.show(message, (text) => style.cyan(`notice: ${text}`));
      case 'debug':
        if (this.options.verbose) this.show(message, (text) => style.dim(`debug: ${text}`));
        return;
      default:
        return this.show(raw);
    }
  }

  /** Masked, controls removed, then `decorate`d, each line with the elapsed time in front. */
  private show(text: string, decorate: (text: string) => string = (text) => text): void {
    const { style } = this.options;
    const stamp = style.dim(`[${this.elapsed().padStart(7)}]`);
    const shown = this.mask(text)
      .split('\n')
      .map((line) => `${stamp} ${decorate(withoutControls(line))}\n`)
      .join('');
    this.eraseSpinner();
    this.options.sink(shown);
    this.drawSpinner();
  }

  private drawSpinner(): void {
    if (!this.options.tty || this.spinner === undefined) return;
    const { style } = this.options;
    const name = this.stage === undefined ? 'working' : withoutControls(this.mask(this.stage.name));
    const room = Math.max(10, (this.options.columns ?? 80) - 36);
    const what = name.length > room ? `${name.slice(0, room - 1)}…` : name;
    const since = this.stage === undefined ? this.started : this.stage.started;
    this.frame = (this.frame + 1) % SPINNER.length;
    this.options.sink(
      `${CLEAR_LINE}${style.cyan(SPINNER[this.frame])} ${what} ${style.dim(`${((this.now() - since) / 1000).toFixed(1)}s · ${this.elapsed()} in all`)}`,
    );
    this.spinnerShown = true;
  }

  private eraseSpinner(): void {
    if (!this.spinnerShown) return;
    this.options.sink(CLEAR_LINE);
    this.spinnerShown = false;
  }
}
