/** `orchestrator: swarm` (issue 12): deploy, rollback and health of a stack on a Swarm manager. */
export * from './state';
export * from './deploy';
export * from './health';
export * from './migrate';
export * from './summary';
