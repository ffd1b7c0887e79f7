import { readMigrateInputs, runAction } from '@thinktank/shared';

// The inputs are validated before ./main (SSH, alembic, the SQL guard) loads: a refused run loads little.
void runAction(readMigrateInputs, () => import('./main'));
