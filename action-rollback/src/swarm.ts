import type { RollbackSettings, RunContext } from '@thinktank/shared';

/** orchestrator: swarm (issue 12; being built). */
export async function swarmMain(_settings: RollbackSettings, _context: RunContext): Promise<void> {
  throw new Error('orchestrator swarm is not built yet');
}
