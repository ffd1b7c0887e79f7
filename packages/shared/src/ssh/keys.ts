/** Private key checks, done before any connection so a bad key is a clear input error. */
import type { utils } from 'ssh2';
import { InputProblem } from '../inputs/validators';

/** Checks that ssh2 can use the key with this passphrase; returns the key text to use. */
export function checkPrivateKey(key: string, passphrase: string | undefined): string {
  if (!key.includes('\n') && key.includes('\\n')) {
    throw new InputProblem(
      'the key holds literal \\n sequences instead of line breaks; paste the key file as it is into the secret',
    );
  }
  if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(key)) {
    throw new InputProblem(
      'PKCS#8 keys ("BEGIN PRIVATE KEY") are not supported; rewrite the key in OpenSSH format with ' +
        '`ssh-keygen -p -f KEYFILE` and store that',
    );
  }
  // ssh2's key parser (its utils.parseKey) is loaded when a key is checked, not with this module: a run
  // refused for another input never gets here (its schema stops before the checks that need several
  // inputs), so it starts without it. The rest of ssh2 loads with the action's main part.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseKey } = require('ssh2/lib/protocol/keyParser.js') as Pick<typeof utils, 'parseKey'>;
  const parsed = parseKey(key, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) {
      throw new InputProblem('the key is encrypted; give its passphrase in the passphrase input');
    }
    if (/bad passphrase|integrity check failed|decrypt/i.test(parsed.message)) {
      throw new InputProblem('the passphrase does not decrypt the key (wrong passphrase)');
    }
    throw new InputProblem(
      `not a private key ssh2 can read (${parsed.message}); use an OpenSSH ed25519, ecdsa or rsa key, or a PEM RSA key`,
    );
  }
  const keys = Array.isArray(parsed) ? parsed : [parsed];
  if (keys.length === 0 || !keys[0].isPrivateKey()) {
    throw new InputProblem('this is a public key; give the private key');
  }
  return key;
}
