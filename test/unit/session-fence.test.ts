/**
 * A command stopped by its timeout whose server never answers the close: output that still arrives
 * afterwards must not reopen a fence that nothing closes (every later workflow command of the action
 * would be printed as text). Against a scripted channel: the real sshd cannot be made to deliver output
 * after a close it never answered.
 */
import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import type { ConnectionSettings, Endpoint } from '../../packages/shared/src/inputs/connection';
import { SshSession } from '../../packages/shared/src/ssh/session';

class ScriptedChannel extends EventEmitter {
  // What sending a signal reads of an ssh2 channel.
  readonly outgoing = { state: 'open' };
  readonly _client = { _protocol: { signal: () => undefined } };
  readonly stderr = Object.assign(new EventEmitter(), { pause: () => undefined, resume: () => undefined });
  end(): void {}
  pause(): void {}
  resume(): void {}
  signal(): void {}
  /** The server never answers. */
  close(): void {}
}

it('drops output that arrives after a forced close, so the fence stays closed', async () => {
  const written: string[] = [];
  const sink = { write: (text: string) => void written.push(text) };
  let channel = new ScriptedChannel();
  const client = Object.assign(new EventEmitter(), {
    exec: (_command: string, callback: (error: Error | undefined, stream: ScriptedChannel) => void) => {
      channel = new ScriptedChannel();
      setImmediate(() => callback(undefined, channel));
    },
  });
  const Session = SshSession as unknown as new (...args: unknown[]) => SshSession;
  const session = new Session(
    { label: 'h', host: 'h', port: 22, username: 'u' } as Endpoint,
    client as unknown as Client,
    undefined,
    { commandTimeoutSeconds: 1 } as ConnectionSettings,
    { sink, killGraceSeconds: 0.1 },
  );
  const running = session.exec('make build', {});
  await new Promise((resolve) => setTimeout(resolve, 50));
  channel.emit('data', Buffer.from('building...\n'));
  const result = await running;
  expect(result.outcome).toEqual({ kind: 'timeout', seconds: 1 });
  // The server's buffered output, after the command was given up.
  channel.emit('data', Buffer.from('::error::late line from the server\n'));
  channel.stderr.emit('data', Buffer.from('late stderr\n'));
  const opens = written.filter((text) => text.startsWith('::stop-commands::'));
  expect(opens).toHaveLength(1);
  const token = opens[0].trim().split('::')[2];
  expect(written.at(-1)).toBe(`::${token}::\n`);
  expect(written.join('')).not.toMatch(/late/);
});
