/**
 * A run that holds the deploy lock, in a process of its own so a test can freeze it (SIGSTOP) or
 * cancel it (SIGINT) as the runner would. Built with ncc by test/integration/lock.test.ts; reports
 * on stdout as `EVENT <json>` lines, and waits for a line on stdin where the test steers it.
 *
 * argv[2]: JSON HolderConfig. Modes:
 * - `freeze`: takes the lock, starts `sleep <sleepSeconds>` on the server, reports `locked`, then
 *   waits for a line on stdin (the test freezes and continues it meanwhile) and tries to `touch
 *   <marker>` on the server, reporting the outcome.
 * - `cancel`: as an action does (runAction, one session with the run's signal, withDeployLock):
 *   reports `locked`, runs `sleep <sleepSeconds>` until SIGINT, then records `cancelled` in the ledger
 *   (after `windDownMs`, so the test can see the lock still held meanwhile) and lets the lock go.
 */
import { runAction, type Main } from '../../packages/shared/src/action';
import { CancelledError, errorMessage } from '../../packages/shared/src/errors';
import type { ConnectionSettings } from '../../packages/shared/src/inputs/connection';
import { readHealthInputs } from '../../packages/shared/src/inputs/health';
import { appendRelease } from '../../packages/shared/src/ledger/ledger';
import {
  holderFromEnvironment,
  takeDeployLock,
  withDeployLock,
  type LockTiming,
} from '../../packages/shared/src/lock/lock';
import { commandLine } from '../../packages/shared/src/shell';
import { SshSession, describeOutcome } from '../../packages/shared/src/ssh/session';
import { readWithInputs } from './settings';

export interface HolderConfig {
  readonly mode: 'freeze' | 'cancel';
  /** INPUT_* values for the connection (connectionInputs). */
  readonly inputs: Record<string, string>;
  readonly stateDir: string;
  readonly timing?: Partial<LockTiming>;
  readonly sleepSeconds: number;
  readonly marker?: string;
  readonly windDownMs?: number;
}

function report(event: string, detail: Record<string, unknown> = {}): void {
  process.stdout.write(`EVENT ${JSON.stringify({ event, ...detail })}\n`);
}

function nextStdinLine(): Promise<void> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      if (!chunk.includes(10)) return;
      process.stdin.off('data', onData);
      // A paused pipe still keeps the process alive.
      process.stdin.destroy();
      resolve();
    };
    process.stdin.on('data', onData);
  });
}

const mute = { write: () => undefined };

async function freeze(config: HolderConfig): Promise<void> {
  const connection = readWithInputs(config.inputs, readHealthInputs).connection;
  const session = await SshSession.open(connection, connection.targets[0], { sink: mute });
  const lock = await takeDeployLock(
    session,
    config.stateDir,
    30,
    holderFromEnvironment('production', 'deploy'),
    () => undefined,
    { timing: config.timing, onLost: (message) => report('lost', { message }) },
  );
  const work = session.exec(commandLine({ argv: ['sleep', String(config.sleepSeconds)] }), {
    echo: 'none',
  });
  report('locked');
  await nextStdinLine();
  report('continued');
  const touched = await session.exec(commandLine({ argv: ['touch', config.marker ?? '/nonexistent'] }), {
    echo: 'none',
    timeoutSeconds: 20,
  });
  report('touch', { outcome: touched.outcome, said: describeOutcome(touched.outcome) });
  report('work', { outcome: (await work).outcome });
  await lock.release();
  report('released', { lost: lock.lost });
  session.close();
}

async function cancel(config: HolderConfig): Promise<void> {
  const main: Main<ConnectionSettings> = async (connection, { signal }) => {
    const session = await SshSession.open(connection, connection.targets[0], { sink: mute, signal });
    const holder = holderFromEnvironment('production', 'deploy');
    try {
      await withDeployLock(
        session,
        { stateDir: config.stateDir, dryRun: false },
        30,
        holder,
        async () => {
          report('locked');
          try {
            await session.run(commandLine({ argv: ['sleep', String(config.sleepSeconds)] }), 'the work', {
              echo: 'none',
            });
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            report('cancelling');
            await new Promise((resolve) => setTimeout(resolve, config.windDownMs ?? 0));
            await appendRelease(session, config.stateDir, {
              time: new Date().toISOString(),
              environment: 'production',
              ref: 'f'.repeat(40),
              image_tag: '',
              previous_ref: '',
              migration: '',
              actor: holder.actor,
              run_url: holder.run_url,
              result: 'cancelled',
              run_id: holder.run_id,
              action: 'deploy',
            });
            report('recorded');
            throw error;
          }
        },
        { signal, timing: config.timing },
      );
    } finally {
      session.close();
    }
  };
  await runAction(
    () => readWithInputs(config.inputs, readHealthInputs).connection,
    () => Promise.resolve({ main }),
  );
  report('exited');
}

const config = JSON.parse(process.argv[2] ?? '{}') as HolderConfig;
(config.mode === 'freeze' ? freeze(config) : cancel(config)).catch((error: unknown) => {
  report('error', { message: errorMessage(error) });
  process.exitCode = 1;
});
