import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SweepError } from '../domain/errors.js';
import type { BrokerOptions } from './connection.js';

/**
 * The files a credentials directory may hold, named as the variables they stand for (as a k8s Secret with these
 * keys projects them), and the broker option each fills. TLS files are kept as their contents, so a reconnect
 * needs no file.
 */
const FILES = {
  NATS_USER: 'user',
  NATS_PASSWORD: 'password',
  NATS_TOKEN: 'token',
  NATS_CREDS: 'credsContent',
  NATS_CA: 'tlsCaPem',
  NATS_CERT: 'tlsCertPem',
  NATS_KEY: 'tlsKeyPem',
} as const satisfies Record<string, keyof BrokerOptions>;

type CredentialFile = keyof typeof FILES;
const isCredentialFile = (name: string): name is CredentialFile => Object.hasOwn(FILES, name);

/** --credentials-dir names a folder that cannot be read, holds a file it does not know, or holds nothing. */
export class CredentialsDirError extends SweepError {
  override readonly badInput = true;
}

/** A credentials file could not be removed after the connect: the programs this process runs could read it. */
export class CredentialsUnlinkError extends SweepError {}

export interface CredentialsDir {
  /** The broker options its files give (over any given otherwise). */
  options: Partial<BrokerOptions>;
  /** The files read, to remove once connected. */
  files: string[];
}

/**
 * Reads every file of `dir` into broker options. Dotfiles are skipped: a k8s Secret volume keeps its data in
 * `..data`-style entries next to the key links, though this folder is meant to be a copy (see deploy/k8s).
 */
export function readCredentialsDir(dir: string): CredentialsDir {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (e) {
    throw new CredentialsDirError(`cannot read the credentials folder ${dir} (--credentials-dir / SWEEP_CREDENTIALS_DIR): ${(e as Error).message}`, { cause: e });
  }
  const unknown = names.filter((n) => !isCredentialFile(n));
  if (unknown.length > 0) {
    throw new CredentialsDirError(
      `the credentials folder ${dir} holds ${unknown.map((n) => `"${n}"`).join(', ')}, which is not a credentials file: ` +
        `name each file as its variable (${Object.keys(FILES).join(', ')})`,
    );
  }
  const known = names.filter(isCredentialFile);
  if (known.length === 0) throw new CredentialsDirError(`the credentials folder ${dir} is empty: put the broker credentials there (${Object.keys(FILES).join(', ')})`);
  const options: Partial<BrokerOptions> = {};
  const files: string[] = [];
  for (const name of known) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CredentialsDirError(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
    }
    // A user, password or token file from `echo` ends in a newline that is not part of it; PEM and creds keep theirs.
    options[FILES[name]] = name === 'NATS_USER' || name === 'NATS_PASSWORD' || name === 'NATS_TOKEN' ? text.trim() : text;
    files.push(file);
  }
  return { options, files };
}

/** Removes the files read, once the connection is up (the client keeps what it needs to reconnect in memory). */
export function unlinkCredentialFiles(files: readonly string[]): void {
  for (const file of files) {
    try {
      unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new CredentialsUnlinkError(
        `cannot remove the credentials file ${file} after connecting (${(e as Error).message}); the programs this worker runs could read it. ` +
          'Point --credentials-dir at a writable copy (an emptyDir an init container fills from the Secret, as deploy/k8s does), not at the Secret itself',
        { cause: e },
      );
    }
  }
}
