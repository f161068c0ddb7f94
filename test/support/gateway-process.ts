import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface GatewayProcess {
  graphqlUrl: string;
  child: ChildProcess;
  /** Every line the process printed, stdout and stderr. */
  output: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts the built gateway (`node dist/src/main.js`, as `npm start` runs it) with the
 * given environment (and working directory, where it reads `.env`), on a free port, and
 * waits until it listens.
 */
export async function spawnGateway(env: Record<string, string>, options: { cwd?: string } = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);

  const graphqlUrl = await new Promise<string>((resolve, reject) => {
    const onLine = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        const match = /"graphqlUrl":"([^"]+)"/.exec(line);
        if (match?.[1] && line.includes('gateway listening')) resolve(match[1]);
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  return { graphqlUrl, child, output, exited };
}
