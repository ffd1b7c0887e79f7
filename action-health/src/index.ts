import { readHealthInputs, runAction } from '@thinktank/shared';

// The inputs are validated before ./main (SSH, the checks) loads: a refused run loads little.
void runAction(readHealthInputs, () => import('./main'));
