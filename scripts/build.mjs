// Builds the gateway so that every process can load a whole, unchanging build, however
// many start at once from this checkout. tsc writes each file in place, so compiling into
// `dist/` while another process loads it served half-written modules ("does not provide
// an export named …"). Instead each build goes to its own folder, named by a hash of
// what it is compiled from, and `dist` is a symlink swapped to it in one rename. Node
// resolves the symlink when a process starts, so a running gateway keeps its build. A
// build that exists already is reused, so a restart without changes compiles nothing.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LINK = join(ROOT, 'dist');
const PREFIX = '.dist-';
/** Marks a build as whole: written last, after tsc succeeded. */
const COMPLETE = '.complete';
/** Builds kept besides the current one, and how old a build must be before it is removed. */
const KEEP_BUILDS = 3;
const REMOVE_AFTER_MS = 10 * 60_000;

function filesUnder(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** What the output depends on: the sources, the compiler settings and the locked dependencies. */
function sourceHash() {
  const inputs = [
    ...filesUnder(join(ROOT, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((name) => join(ROOT, name)),
  ];
  const hash = createHash('sha256');
  for (const file of inputs.sort()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Compiles into a private folder, then moves it into place whole; a concurrent twin may win. */
function build(target) {
  const scratch = `${target}.tmp-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', scratch], { stdio: 'inherit' });
    writeFileSync(join(scratch, COMPLETE), '');
    renameSync(scratch, target);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    // Another process built the same sources meanwhile: theirs is as good as ours.
    if (!existsSync(join(target, COMPLETE))) throw error;
  }
}

/** Points `dist` at the build in one rename, so a reader sees the old build or the new one. */
function point(target) {
  const name = relative(ROOT, target);
  if (existsSync(LINK) && lstatSync(LINK).isSymbolicLink() && readlinkSync(LINK) === name) return;
  // A checkout from before this script has a real dist/ folder, which a symlink cannot replace.
  if (existsSync(LINK) && !lstatSync(LINK).isSymbolicLink()) renameSync(LINK, join(ROOT, `${PREFIX}legacy-${process.pid}`));
  const staged = `${LINK}.link-${process.pid}`;
  rmSync(staged, { force: true });
  symlinkSync(name, staged);
  renameSync(staged, LINK);
}

/** Removes old builds: not the current one, not the newest few, none younger than a few minutes. */
function prune(current) {
  const builds = readdirSync(ROOT)
    .filter((name) => name.startsWith(PREFIX) && join(ROOT, name) !== current)
    .map((name) => ({ path: join(ROOT, name), mtimeMs: statSync(join(ROOT, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { path, mtimeMs } of builds.slice(KEEP_BUILDS)) {
    if (Date.now() - mtimeMs > REMOVE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}

const target = join(ROOT, `${PREFIX}${sourceHash()}`);
if (!existsSync(join(target, COMPLETE))) build(target);
point(target);
prune(target);
