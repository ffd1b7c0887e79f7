/** One session per host for the whole run, opened once and closed once. */
import * as core from '@actions/core';
import type { ConnectionSettings } from '../inputs/connection';
import { SshSession, type SessionHooks } from './session';

export class Sessions {
  private readonly open: SshSession[] = [];

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: Omit<SessionHooks, 'prefix'> = {},
  ) {}

  /** Connects to every target in order, logging each; the hosts are prefixed in logs when several. */
  async connectAll(): Promise<SshSession[]> {
    const several = this.settings.targets.length > 1;
    for (const endpoint of this.settings.targets) {
      const started = Date.now();
      const session = await SshSession.open(this.settings, endpoint, {
        warn: (message) => core.warning(message),
        ...this.hooks,
        prefix: several ? endpoint.label : undefined,
      });
      this.open.push(session);
      core.info(`connected to ${this.settings.username}@${endpoint.label} in ${Date.now() - started} ms`);
    }
    return [...this.open];
  }

  closeAll(): void {
    for (const session of this.open.splice(0)) session.close();
  }
}
