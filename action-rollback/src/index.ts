import { readRollbackInputs, runAction } from '@thinktank/shared';

// The inputs are validated before ./main (SSH, GitHub, the rollback) loads: a refused run loads little.
void runAction(readRollbackInputs, () => import('./main'));
