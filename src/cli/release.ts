import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';
import { compareSchemas, RELEASE_FILES } from './schema-changes.js';

const PACKAGE_JSON = join(RELEASE_FILES.root, 'package.json');
const PACKAGE_LOCK = join(RELEASE_FILES.root, 'package-lock.json');
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** The changelog with its Unreleased notes under a heading for `version`, and a new empty Unreleased section above. */
export function changelogForRelease(changelog: string, version: string, date: string): string {
  if (!/^## Unreleased[^\n]*$/im.test(changelog)) throw new Error('CHANGELOG.md has no "## Unreleased" section to release');
  if (new RegExp(`^## ${version.replaceAll('.', '\\.')}[ \\n]`, 'm').test(changelog))
    throw new Error(`CHANGELOG.md already has a ${version} section`);
  return changelog.replace(/^## Unreleased[^\n]*$/im, `## Unreleased\n\n## ${version} (${date})`);
}

/**
 * `npm run release -- 0.2.0`: the schema as it is becomes the released one that later
 * changes are compared with, the changelog's Unreleased notes become the 0.2.0 section,
 * and package.json (with its lockfile) takes the version. Refuses while a breaking change is unnamed.
 */
const release: Command = {
  usage: [
    'Usage: npm run release -- <version>',
    '  copies schema/schema.graphql to schema/released/schema.graphql, moves the notes under',
    '  "## Unreleased" in CHANGELOG.md to "## <version> (<date>)", sets the version in package.json and its lockfile;',
    '  then commit, and tag v<version>',
  ].join('\n'),
  async run(argv, write) {
    const [version, ...rest] = argv;
    if (version === undefined || rest.length > 0) throw new UsageError('give exactly one version, e.g. 0.2.0');
    if (!VERSION.test(version)) throw new UsageError(`"${version}" is not a version such as 0.2.0`);
    const [released, current, changelog, packageJson, packageLock] = await Promise.all([
      readFile(RELEASE_FILES.released, 'utf8'),
      readFile(RELEASE_FILES.current, 'utf8'),
      readFile(RELEASE_FILES.changelog, 'utf8'),
      readFile(PACKAGE_JSON, 'utf8'),
      readFile(PACKAGE_LOCK, 'utf8'),
    ]);
    const changes = await compareSchemas(released, current, changelog);
    if (changes.unannounced.length > 0)
      throw new Error('a breaking schema change is not named in CHANGELOG.md: run npm run schema:changes');
    await writeFile(RELEASE_FILES.changelog, changelogForRelease(changelog, version, new Date().toISOString().slice(0, 10)));
    await copyFile(RELEASE_FILES.current, RELEASE_FILES.released);
    await writeFile(PACKAGE_JSON, packageJson.replace(/^( {2}"version": )"[^"]*"/m, `$1"${version}"`));
    // The lockfile repeats the version twice (top level and the root package), as npm version writes it.
    const lock = JSON.parse(packageLock) as { version: string; packages: Record<string, { version?: string }> };
    lock.version = version;
    if (lock.packages['']) lock.packages[''].version = version;
    await writeFile(PACKAGE_LOCK, `${JSON.stringify(lock, null, 2)}\n`);
    write(
      `released ${version}: schema/released/schema.graphql, CHANGELOG.md, package.json and package-lock.json updated; commit them and tag v${version}\n`,
    );
  },
};

runWhenInvoked(import.meta.url, release);
