import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';

/**
 * Writes a file only its owner may read or write (0600), whatever the umask and whatever mode an existing file
 * had: the mode is set on the open descriptor before the secret is written, so it is never readable by others.
 */
export function writePrivateFile(file: string, text: string): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
