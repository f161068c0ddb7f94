import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Some tests run the gateway as separate processes, exactly as `npm start` does, from the
 * compiled output; build it before any test runs so it is never stale.
 */
export default function setup(): void {
  // The same build as `npm start`'s, so a gateway started meanwhile never loads half of it.
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
}
