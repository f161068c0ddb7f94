import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Some tests run the gateway as separate processes, exactly as `npm start` does, from the
 * compiled output; build it once before any test runs so it is never stale.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
