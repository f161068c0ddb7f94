import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
/** The checkout these tests run in. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GatewayProcess {
  graphqlUrl: string;
  /** The metrics listener's /metrics (its own port; the API port answers 404 there). */
  metricsUrl: string;
  child: ChildProcess;
  /** Every line the process printed, stdout and stderr. */
  output: string[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

export interface SpawnOptions {
  /** The working directory, where the gateway reads `.env`. */
  cwd?: string;
  /** The largest file the process may write, in KiB (a soft `ulimit -f`, so `prlimit` can lift it). */
  fileSizeLimitKiB?: number;
}

// METRICS_PORT=0: the metrics listener takes a free port too, so no run clashes over 9464.
const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  PORT: '0',
  METRICS_PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
});

/**
 * Starts the built gateway (`node dist/src/main.js`, as `npm start` runs it) with the
 * given environment (and working directory, where it reads `.env`), on a free port, and
 * waits until it listens.
 */
export function spawnGateway(env: Record<string, string>, options: SpawnOptions = {}): Promise<GatewayProcess> {
  return listening(spawnGatewayChild(env, options));
}

/** Starts the built gateway like spawnGateway, without waiting for it to listen. */
export function spawnGatewayChild(env: Record<string, string>, options: SpawnOptions = {}): ChildProcess {
  // RLIMIT_FSIZE is a disk that fills up, for one process and without privileges: writes
  // past it fail with EFBIG (Node ignores SIGXFSZ), as they would on a full disk.
  const [command, args] =
    options.fileSizeLimitKiB === undefined
      ? [process.execPath, [MAIN]]
      : ['/bin/sh', ['-c', `ulimit -S -f ${options.fileSizeLimitKiB} && exec "$0" "$1"`, process.execPath, MAIN]];
  return spawn(command, args, { cwd: options.cwd, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs `npm start` in `cwd` (build, then the gateway) as an operator does, as the leader of
 * a process group of its own, so a test can signal the whole group as a terminal or
 * systemd does: `process.kill(-child.pid, signal)`.
 */
export function spawnNpmStart(env: Record<string, string>, cwd = REPO_ROOT): Promise<GatewayProcess> {
  const npmEnv = { ...baseEnv(), HOME: process.env.HOME ?? '/tmp', ...env };
  return listening(spawn('npm', ['start'], { cwd, env: npmEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
}

async function listening(child: ChildProcess): Promise<GatewayProcess> {
  const output: string[] = [];
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);

  const { graphqlUrl, metricsUrl } = await new Promise<{ graphqlUrl: string; metricsUrl: string }>((resolve, reject) => {
    // Whole lines, however the pipe splits them into chunks.
    const onLine = (line: string): void => {
      if (line === '') return;
      output.push(line);
      if (!line.includes('gateway listening')) return;
      const graphql = /"graphqlUrl":"([^"]+)"/.exec(line)?.[1];
      const metrics = /"metricsUrl":"([^"]+)"/.exec(line)?.[1];
      if (graphql && metrics) resolve({ graphqlUrl: graphql, metricsUrl: metrics });
    };
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before listening:\n${output.join('\n')}`)));
  });
  return { graphqlUrl, metricsUrl, child, output, exited };
}
