import { readOpsInputs, runAction } from '@thinktank/shared';

// The inputs are validated before ./main (SSH, the operation) loads: a refused run loads little.
void runAction(readOpsInputs, () => import('./main'));
