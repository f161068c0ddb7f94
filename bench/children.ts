/**
 * Child processes of the benchmark: start each server as its own `node` process, wait
 * until it answers HTTP, sample its resident memory, and kill every one of them when the
 * runner ends, whichever way it ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { processCpuSeconds } from './process-cpu.js';

export interface BenchChild {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Where its stdout and stderr go. */
  logPath: string;
  /** Where V8 writes its CPU profile when it exits (BENCH_CPU_PROF); undefined when not profiled. */
  cpuProfileDir: string | undefined;
}

const children = new Set<BenchChild>();
/** Children being stopped on purpose: their exit is not a failure. */
const stoppingChildren = new Set<BenchChild>();
let stopping = false;
let pidFile: string | undefined;

/**
 * A runner killed with SIGKILL cannot stop its children; the bench's own servers then
 * exit by themselves (their stdin closes) but the gateway does not. Every child's pid is
 * therefore written to `path`, and the next run kills whatever is left from the last one,
 * after checking that the pid still runs one of `scripts`.
 */
export function usePidFile(path: string, scripts: readonly string[]): void {
  pidFile = path;
  let stale: string[];
  try {
    stale = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  } catch {
    stale = [];
  }
  for (const entry of stale) {
    const pid = Number(entry);
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (scripts.some((script) => commandLine.includes(script))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  writeFileSync(path, '');
}
let onUnexpectedExit: (child: BenchChild, code: number | null, signal: NodeJS.Signals | null) => void = () => {};

/** Called when a child dies while the benchmark still needs it. */
export function whenChildDies(handler: typeof onUnexpectedExit): void {
  onUnexpectedExit = handler;
}

export function startChild(options: {
  name: string;
  script: string;
  nodeArgs?: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logPath: string;
  /** Profile the process: V8 writes a .cpuprofile into this folder when it exits (not when it is killed). */
  cpuProfileDir?: string | undefined;
}): BenchChild {
  const log = openSync(options.logPath, 'w');
  const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  // stdin stays a pipe: the bench's own servers exit when it closes, i.e. when the runner dies.
  const proc = spawn(process.execPath, [...profileArgs, ...(options.nodeArgs ?? []), options.script], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', log, log],
  });
  closeSync(log);
  if (proc.pid === undefined) throw new Error(`could not start ${options.name}`);
  const child: BenchChild = {
    name: options.name,
    process: proc,
    pid: proc.pid,
    logPath: options.logPath,
    cpuProfileDir: options.cpuProfileDir,
  };
  children.add(child);
  if (pidFile) appendFileSync(pidFile, `${child.pid}\n`);
  proc.stdin?.on('error', () => {});
  proc.once('exit', (code, signal) => {
    children.delete(child);
    if (!stopping && !stoppingChildren.delete(child)) onUnexpectedExit(child, code, signal);
  });
  return child;
}

/** A profiled child writes its whole profile as it exits; a SIGKILL before that loses it. */
const PROFILED_GRACE_MS = 15_000;

/** Each profiled child's CPU time over its whole life (all threads), read as it is stopped. */
const cpuSecondsAtStop = new Map<string, number>();

/** By instance name: what the profile of its main thread is checked against (profile-summary.ts). */
export function profiledCpuSeconds(): Record<string, number> {
  return Object.fromEntries(cpuSecondsAtStop);
}

/** SIGTERM to one child, SIGKILL if it is still alive after `graceMs` (longer for a profiled child). */
export function stopChild(child: BenchChild, graceMs = 3000): Promise<void> {
  if (child.cpuProfileDir) {
    graceMs = Math.max(graceMs, PROFILED_GRACE_MS);
    const cpuSeconds = processCpuSeconds(child.pid);
    if (cpuSeconds !== undefined) cpuSecondsAtStop.set(child.name, cpuSeconds);
  }
  stoppingChildren.add(child);
  return new Promise<void>((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.process.kill('SIGKILL');
      resolve();
    }, graceMs);
    child.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

/** SIGTERM to every child, SIGKILL to those still alive after `graceMs`. */
export async function stopAllChildren(graceMs = 3000): Promise<void> {
  stopping = true;
  await Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

/** Last resort from a synchronous `exit` handler; also forgets the pid file once nothing is left. */
export function killAllChildrenNow(): void {
  stopping = true;
  for (const child of children) child.process.kill('SIGKILL');
  if (pidFile) rmSync(pidFile, { force: true });
}

export function tailOfLog(child: BenchChild, lines = 20): string {
  try {
    return readFileSync(child.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * Polls until the child is up: the first of `paths` that exists (a 404 moves on to the
 * next; the last path's 404 counts as an answer) must answer below 500. Fails if the child
 * dies or `timeoutMs` passes.
 */
export async function waitForHttp(child: BenchChild, origin: string, paths: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    if (!children.has(child)) throw new Error(`${child.name} exited during start-up:\n${tailOfLog(child)}`);
    for (const [index, path] of paths.entries()) {
      const status = await statusOf(`${origin}${path}`);
      last = `${path}: ${status ?? 'no answer'}`;
      if (status === 404 && index < paths.length - 1) continue;
      if (status !== undefined && status < 500) return;
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`${child.name} was not ready within ${timeoutMs} ms (last: ${last}):\n${tailOfLog(child)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export function currentRssMb(pid: number): number | undefined {
  const kb = statusKb(pid, 'VmRSS');
  return kb === undefined ? undefined : kb / 1024;
}

/**
 * Peak resident memory of one process over one measurement. The kernel's high-water mark
 * (VmHWM) is reset at the start through /proc/PID/clear_refs when allowed; VmRSS is also
 * sampled every 100 ms, and the larger of the two is the peak. Linux only; undefined elsewhere.
 */
export class PeakRss {
  readonly #pid: number;
  #peakKb = 0;
  #hwmReset = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    try {
      writeFileSync(`/proc/${this.#pid}/clear_refs`, '5');
      this.#hwmReset = true;
    } catch {
      this.#hwmReset = false;
    }
    this.#peakKb = statusKb(this.#pid, 'VmRSS') ?? 0;
    this.#timer = setInterval(() => {
      this.#peakKb = Math.max(this.#peakKb, statusKb(this.#pid, 'VmRSS') ?? 0);
    }, 100);
  }

  /** Peak in MB, or undefined when /proc could not be read. */
  stop(): number | undefined {
    clearInterval(this.#timer);
    let peak = Math.max(this.#peakKb, statusKb(this.#pid, 'VmRSS') ?? 0);
    if (this.#hwmReset) peak = Math.max(peak, statusKb(this.#pid, 'VmHWM') ?? 0);
    return peak === 0 ? undefined : peak / 1024;
  }
}
