import { CancelledError } from './errors';

/** Waits `ms`, or rejects with CancelledError as soon as the run is cancelled. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError(String(signal.reason ?? 'signal')));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(new CancelledError(String(signal?.reason ?? 'signal')));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
