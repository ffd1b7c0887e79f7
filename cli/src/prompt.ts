/** Asks for a secret on the terminal without echoing it. */

/** Reads one line from a terminal's stdin with echo off; undefined on Ctrl-C or Ctrl-D. */
export function promptSecret(question: string): Promise<string | undefined> {
  const input = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    let typed = '';
    const done = (value: string | undefined) => {
      input.setRawMode(false);
      input.off('data', onData);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return done(typed);
        if (char === '\u0003' || char === '\u0004') return done(undefined);
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}
