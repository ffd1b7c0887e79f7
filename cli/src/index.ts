#!/usr/bin/env node
import { cli } from './run';

cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bug of the CLI's own (the run itself reports through runAction): said, and exit 1.
    process.stderr.write(
      `thinktank-deploy: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
