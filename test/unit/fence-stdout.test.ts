/**
 * On stdout, the action's own workflow commands written while another command's output is fenced
 * (a build beside the migration check) step outside the fence: the runner would otherwise show them
 * as text (a group never closed, an annotation lost).
 */
import { CommandFence, stdoutSink } from '../../packages/shared/src/ssh/output';

it("ends the fence around the action's own commands and opens a fresh one after them", () => {
  const written: string[] = [];
  const real = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    written.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const build = new CommandFence(stdoutSink);
    build.line('Step 1/3 ::error::from the server');
    build.line('::add-mask::from the server too');
    // The action's own, meanwhile (what @actions/core writes).
    process.stdout.write('::endgroup::\n');
    process.stdout.write('a plain line of ours\n');
    process.stdout.write('::group::Migrate the database\n');
    build.line('Step 2/3');
    build.close();
  } finally {
    process.stdout.write = real;
  }
  const text = written.join('');
  const tokens = [...text.matchAll(/^::stop-commands::(.+)$/gm)].map((match) => match[1]);
  expect(tokens).toHaveLength(3);
  expect(new Set(tokens).size).toBe(3);
  const [first, second, third] = tokens;
  expect(text).toBe(
    [
      `::stop-commands::${first}`,
      'Step 1/3 ::error::from the server',
      '::add-mask::from the server too',
      `::${first}::`,
      '::endgroup::',
      `::stop-commands::${second}`,
      'a plain line of ours',
      `::${second}::`,
      '::group::Migrate the database',
      `::stop-commands::${third}`,
      'Step 2/3',
      `::${third}::`,
      '',
    ].join('\n'),
  );
});
