import { runAction } from '@thinktank/shared';
import { main } from './main';

void runAction(main);
