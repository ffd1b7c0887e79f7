import { readDeployInputs, runAction } from '@thinktank/shared';

// The inputs are validated before ./main (SSH, GitHub, the deploy) loads: a refused run loads little.
void runAction(readDeployInputs, () => import('./main'));
