/**
 * BENCH_BASELINE: another commit of this repository, checked out and built beside the
 * current checkout, so that one bench run measures a change before and after, interleaved.
 * This file resolves the ref, makes the checkout (a detached git worktree in the OS temp
 * directory), gives it its dependencies, builds it with its own `npm run build`, and removes
 * it again. How the build is started and judged is the baseline target's business
 * (`baselineGatewayTarget` in targets.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The commit a BENCH_BASELINE ref names. */
export interface BaselineCommit {
  /** The ref as given, e.g. `main~3`. */
  ref: string;
  commit: string;
  shortCommit: string;
  /** First line of its commit message. */
  subject: string;
  /** Its committer date, ISO 8601. */
  date: string;
}

/** A built checkout of the baseline commit. */
export interface BaselineBuild extends BaselineCommit {
  root: string;
  /** How its node_modules came to be, for the report. */
  dependencies: string;
}

export class BaselineError extends Error {}

const git = (repoRoot: string, args: string[]): string =>
  execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' }).trim();

/** `git rev-parse --verify <ref>^{commit}`; a ref that names no commit is refused with git's reason. */
export function resolveBaselineCommit(repoRoot: string, ref: string): BaselineCommit {
  let commit: string;
  try {
    commit = git(repoRoot, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`]);
  } catch (error) {
    const reason = String((error as { stderr?: unknown }).stderr ?? error).trim();
    throw new BaselineError(`BENCH_BASELINE="${ref}" names no commit of this repository (git rev-parse --verify: ${reason || 'failed'})`);
  }
  const [shortCommit = commit, date = '', subject = ''] = git(repoRoot, ['show', '-s', '--format=%h%n%cI%n%s', commit]).split('\n');
  return { ref, commit, shortCommit, subject, date };
}

/**
 * Where the baseline is checked out: the OS temp directory, not bench/results/, because the
 * repo's typecheck (tsconfig includes bench/), lint and vitest would otherwise pick up a
 * second copy of the sources while a run is going. The name is fixed per checkout, so the
 * next run removes a checkout that a SIGKILLed run left behind.
 */
export function baselineCheckoutPath(repoRoot: string): string {
  return join(tmpdir(), `csss-bench-baseline-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 12)}`);
}

/**
 * Removes the baseline checkout and its worktree entry, if there is one. Idempotent. The
 * node_modules symlink goes first: it points at the current checkout's node_modules, which
 * must survive whatever removes the rest.
 */
export function removeBaselineCheckout(repoRoot: string, path: string): void {
  // A worktree entry whose folder is gone is left to `worktree add --force` in buildBaseline.
  if (!existsSync(path)) return;
  const nodeModules = join(path, 'node_modules');
  try {
    if (lstatSync(nodeModules).isSymbolicLink()) unlinkSync(nodeModules);
  } catch {
    // No checkout, or no node_modules in it.
  }
  try {
    // Twice --force: also when it has untracked files (its build) or is locked.
    git(repoRoot, ['worktree', 'remove', '--force', '--force', path]);
  } catch {
    // Not (or no longer) a registered worktree; `worktree add --force` in buildBaseline copes with a stale entry.
  }
  rmSync(path, { recursive: true, force: true });
}

/** Runs a command with its output appended to `logPath`; fails with the log's tail. Stopped (SIGTERM) when `signal` aborts. */
function run(command: string, args: string[], cwd: string, logPath: string, signal: AbortSignal): Promise<void> {
  const log = openSync(logPath, 'a');
  const child = spawn(command, args, { cwd, env: process.env, stdio: ['ignore', log, log], signal });
  closeSync(log);
  return new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new BaselineError(
          `baseline: \`${command} ${args.join(' ')}\` ${signal.aborted ? 'stopped: the run is ending' : `did not run: ${error.message}`}`,
        ),
      ),
    );
    child.once('exit', (code, exitSignal) => {
      if (code === 0) return resolve();
      const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
      reject(
        new BaselineError(`baseline: \`${command} ${args.join(' ')}\` failed in ${cwd} (${exitSignal ?? `exit code ${code}`}):\n${tail}`),
      );
    });
  });
}

/**
 * Checks the baseline commit out at `path` (detached, so no branch is touched), gives it
 * dependencies and runs its own `npm run build`. Dependencies: when its package-lock.json is
 * the current checkout's, node_modules is a symlink to the current checkout's (the same lock
 * installs the same files; nothing in a run writes to node_modules; instant and no space);
 * otherwise `npm ci` installs its own lock, so the baseline runs the dependencies it shipped
 * with (slower, needs the registry). Command output goes to `logPath`.
 */
export async function buildBaseline(
  repoRoot: string,
  baseline: BaselineCommit,
  path: string,
  logPath: string,
  signal: AbortSignal,
): Promise<BaselineBuild> {
  removeBaselineCheckout(repoRoot, path);
  writeFileSync(logPath, '');
  // --force: a checkout a SIGKILLed run left registered but missing is taken over.
  git(repoRoot, ['worktree', 'add', '--force', '--detach', path, baseline.commit]);

  const lockOf = (file: string): string | undefined => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  const sameLock = lockOf(join(path, 'package-lock.json')) === lockOf(join(repoRoot, 'package-lock.json'));
  let dependencies: string;
  if (sameLock && existsSync(join(repoRoot, 'node_modules'))) {
    symlinkSync(join(repoRoot, 'node_modules'), join(path, 'node_modules'), 'dir');
    dependencies = "this checkout's node_modules, symlinked (its package-lock.json is the same)";
  } else {
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], path, logPath, signal);
    dependencies = "`npm ci` of its own package-lock.json (it differs from this checkout's)";
  }
  await run('npm', ['run', 'build'], path, logPath, signal);
  return { ...baseline, root: path, dependencies };
}
