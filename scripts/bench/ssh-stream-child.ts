/**
 * The child process of benchStreaming (scripts/bench/ssh.ts), so that the peak RSS it reports is that
 * of one action-like process and nothing else. Its stdout is the log; the report goes to fd 3 as JSON.
 *
 * argv: <job.json>, a file holding { inputs, command, mode } (the inputs carry the bench's throwaway key).
 * - mode `session`: connects as the actions do (INPUT_* values through the input schemas, then
 *   SshSession.open with the default hooks) and runs the command the way deploy runs `compose build`:
 *   session.run, each remote line echoed to stdout inside the stop-commands fence.
 * - mode `ssh2`: ssh2 alone, the same login, the output counted and dropped: the floor our layer
 *   stands on (no line splitting, no log).
 */
import { readFileSync, writeSync } from 'node:fs';
import { Client } from 'ssh2';
import type { ConnectionSettings } from '../../packages/shared/src/inputs/connection';
import { verifyHostKey } from '../../packages/shared/src/ssh/known-hosts';
import { SshSession } from '../../packages/shared/src/ssh/session';
import { healthSettingsFrom } from '../../test/harness/settings';

export type StreamChildMode = 'session' | 'ssh2';

export interface StreamChildJob {
  readonly inputs: Record<string, string>;
  readonly command: string;
  readonly mode: StreamChildMode;
}

export interface StreamChildReport {
  /** From before connecting until the command's output was written to stdout (or dropped). */
  readonly totalMs: number;
  readonly connectMs: number;
  /** RSS once connected, before the command: what streaming adds is the peak above it. */
  readonly connectedRssKiB: number;
  /** process.resourceUsage().maxRSS, in KiB. */
  readonly maxRssKiB: number;
}

async function viaSession(settings: ConnectionSettings, command: string): Promise<() => Promise<void>> {
  const session = await SshSession.open(settings, settings.targets[0]);
  return async () => {
    try {
      await session.run(command, 'streaming bench command');
    } finally {
      session.close();
    }
  };
}

async function viaSsh2(settings: ConnectionSettings, command: string): Promise<() => Promise<void>> {
  const endpoint = settings.targets[0];
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: settings.username,
      privateKey: settings.privateKey,
      hostVerifier: (key: Buffer) => verifyHostKey(endpoint.pins, key) === 'accepted',
    });
    // As SshSession does: without it, window adjustments wait on Nagle and the stream stalls.
    client.setNoDelay(true);
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        stream.on('data', () => undefined);
        stream.stderr.on('data', () => undefined);
        stream.on('close', (code: number | null) => {
          client.end();
          if (code === 0) resolve();
          else reject(new Error(`the command exited with ${code}`));
        });
        stream.end();
      });
    });
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8')) as StreamChildJob;
  const settings = healthSettingsFrom(job.inputs).connection;
  const started = process.hrtime.bigint();
  const run = await (job.mode === 'ssh2' ? viaSsh2 : viaSession)(settings, job.command);
  const connected = process.hrtime.bigint();
  const connectedRssKiB = process.memoryUsage().rss / 1024;
  await run();
  // Done means written: wait for whatever stdout still queues.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  const finished = process.hrtime.bigint();
  const report: StreamChildReport = {
    totalMs: Number(finished - started) / 1e6,
    connectMs: Number(connected - started) / 1e6,
    connectedRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
  writeSync(3, `${JSON.stringify(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
