/** Asks for a secret on the terminal without echoing it. */
import { StringDecoder } from 'node:string_decoder';

/**
 * Reads one line from a terminal's stdin with echo off: the text, or undefined on Ctrl-C, Ctrl-D
 * or a hang-up. The terminal gets its echo back on every way out.
 */
export function promptSecret(question: string): Promise<string | undefined> {
  const input = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    // A character of several bytes can arrive split over two chunks.
    const decoder = new StringDecoder('utf8');
    let typed = '';
    const done = (value: string | undefined) => {
      input.setRawMode(false);
      input.off('data', onData);
      process.off('SIGHUP', onHangUp);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onHangUp = () => done(undefined);
    const onData = (chunk: Buffer) => {
      // Arrow and function keys send escape sequences: none of them is part of a passphrase.
      const text = decoder.write(chunk).replace(/\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/g, '');
      for (const char of text) {
        if (char === '\r' || char === '\n') return done(typed);
        if (char === '\u0003' || char === '\u0004') return done(undefined);
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    process.on('SIGHUP', onHangUp);
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
