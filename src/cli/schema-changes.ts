import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';

/**
 * The repository's root: the nearest folder above this module that holds the schema (the
 * module runs from src/cli in tests and from dist/src/cli, a symlinked build, in npm scripts).
 */
function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'schema', 'schema.graphql'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('no schema/schema.graphql above this module');
    folder = parent;
  }
  return folder;
}

const ROOT = repositoryRoot();

/** The schema, the last released copy of it, and the changelog, as the repository keeps them. */
export const RELEASE_FILES = {
  root: ROOT,
  current: join(ROOT, 'schema', 'schema.graphql'),
  released: join(ROOT, 'schema', 'released', 'schema.graphql'),
  changelog: join(ROOT, 'CHANGELOG.md'),
};

interface SchemaChanges {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
  /** Breaking changes whose schema coordinate (e.g. `OtaOrder.simId`) the changelog's Unreleased section does not name. */
  unannounced: Change[];
}

/** The text under `## Unreleased`, up to the next `## ` heading: what the next release will say. */
function unreleasedNotes(changelog: string): string {
  const start = /^## Unreleased[^\n]*$/im.exec(changelog);
  if (!start) return '';
  const rest = changelog.slice(start.index + start[0].length);
  const next = /^## /m.exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/**
 * Compares the schema with the last released one (GraphQL Inspector's rules: a removed
 * field, a new required input field or a renamed enum value breaks clients' generated
 * types and their builds). A breaking change is accepted only once the changelog's
 * Unreleased section names its coordinate, so every client team reads about it there.
 */
export async function compareSchemas(releasedSdl: string, currentSdl: string, changelog: string): Promise<SchemaChanges> {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const of = (level: CriticalityLevel) => changes.filter((change) => change.criticality.level === level);
  const notes = unreleasedNotes(changelog);
  const breaking = of(CriticalityLevel.Breaking);
  return {
    breaking,
    dangerous: of(CriticalityLevel.Dangerous),
    safe: of(CriticalityLevel.NonBreaking),
    unannounced: breaking.filter((change) => !notes.includes(`\`${change.path ?? change.message}\``)),
  };
}

function describeChanges(changes: SchemaChanges): string {
  const list = (title: string, found: Change[]) =>
    found.length === 0 ? '' : `${title}:\n${found.map((change) => `  ${change.path ?? '-'}: ${change.message}\n`).join('')}`;
  const total = changes.breaking.length + changes.dangerous.length + changes.safe.length;
  if (total === 0) return 'no schema changes since the last release\n';
  return [
    list('breaking (clients built on the released schema may break)', changes.breaking),
    list('dangerous (may change what clients see)', changes.dangerous),
    list('safe', changes.safe),
  ].join('');
}

export const schemaChanges: Command = {
  usage: [
    'Usage: npm run schema:changes [-- --released <file> --current <file> --changelog <file>]',
    '  lists the changes of schema/schema.graphql since schema/released/schema.graphql (the last release),',
    '  and fails when a breaking one is not named, as `Type.field` in backticks, under ## Unreleased in CHANGELOG.md',
  ].join('\n'),
  async run(argv, write) {
    const files = { released: RELEASE_FILES.released, current: RELEASE_FILES.current, changelog: RELEASE_FILES.changelog };
    for (let index = 0; index < argv.length; index += 2) {
      const name = argv[index]?.replace(/^--/, '');
      const value = argv[index + 1];
      if (name !== 'released' && name !== 'current' && name !== 'changelog') throw new UsageError(`unexpected argument "${argv[index]}"`);
      if (value === undefined) throw new UsageError(`--${name} needs a file`);
      files[name] = value;
    }
    const [released, current, changelog] = await Promise.all([
      readFile(files.released, 'utf8'),
      readFile(files.current, 'utf8'),
      readFile(files.changelog, 'utf8'),
    ]);
    const changes = await compareSchemas(released, current, changelog);
    write(describeChanges(changes));
    if (changes.unannounced.length > 0) {
      throw new Error(
        `breaking schema changes the changelog does not name: ${changes.unannounced.map((change) => `\`${change.path ?? change.message}\``).join(', ')}.\n` +
          'Name each under "## Unreleased" in CHANGELOG.md (what changed and what clients must do), or undo the change.',
      );
    }
  },
};

runWhenInvoked(import.meta.url, schemaChanges);
