import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The maps a newcomer reads first; a folder or file they name that is not in the tree
// sends the reader looking for code that is elsewhere.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');
const DEVELOPMENT = readFileSync(join(ROOT, 'docs/development.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

const srcFolders = readdirSync(SRC, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The text of a `## ` section, up to the next one. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** The README's layout block: the fenced block after "Layout, one line per folder". */
function readmeLayout(): string[] {
  const start = README.indexOf('Layout, one line per folder');
  expect(start).toBeGreaterThanOrEqual(0);
  const open = README.indexOf('```\n', start) + 4;
  return README.slice(open, README.indexOf('```', open)).trimEnd().split('\n');
}

describe("docs/development.md's map of folders", () => {
  const map = section(DEVELOPMENT, 'Map of folders');
  const bullets = map.split('\n- ').slice(1);

  it('names every folder of src/, once, and no other', () => {
    const named = bullets.map((bullet) => /^`src\/([a-z-]*)\/?`/.exec(bullet)?.[1]).filter((name) => name !== undefined && name !== '');
    expect(named.sort()).toEqual(srcFolders);
  });

  it('names only files that exist in the folder of their line', () => {
    const missing: string[] = [];
    for (const bullet of bullets) {
      const folder = /^`src\/([a-z-]*)\/?`/.exec(bullet)?.[1] ?? '';
      for (const [, file] of bullet.matchAll(/`([a-z0-9.-]+\.ts)`/g)) {
        if (!existsSync(join(SRC, folder, file!))) missing.push(join('src', folder, file!));
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('docs/development.md', () => {
  it('names only folder/file paths under src/ that exist', () => {
    const missing = [...DEVELOPMENT.matchAll(/`(?:src\/)?([a-z-]+)\/([a-z0-9.-]+\.ts)`/g)]
      .filter(([, folder]) => srcFolders.includes(folder!))
      .map(([, folder, file]) => `src/${folder}/${file}`)
      .filter((path) => !existsSync(join(ROOT, path)));
    expect(missing).toEqual([]);
  });
});

describe("the README's layout block", () => {
  const lines = readmeLayout();

  it('has one line for every folder of src/, and for no other', () => {
    const folders = lines.map((line) => /^src\/([a-z-]+)\/\s/.exec(line)?.[1]).filter((name) => name !== undefined);
    expect(folders.sort()).toEqual(srcFolders);
  });

  it('names only paths that exist', () => {
    const missing: string[] = [];
    for (const line of lines) {
      const [paths] = line.split(/\s{2,}/);
      let folder = '';
      for (const path of paths!.split(', ')) {
        // "src/main.ts, app.ts": a bare file name sits in the folder of the path before it.
        const full = path.includes('/') ? path : folder + path;
        folder = full.slice(0, full.lastIndexOf('/') + 1);
        if (!existsSync(join(ROOT, full))) missing.push(full);
      }
    }
    expect(missing).toEqual([]);
  });

  it("names test/'s subfolders as they are", () => {
    const testLine = lines.find((line) => line.startsWith('test/'));
    const named = [...(testLine ?? '').matchAll(/\b([a-z]+)\/(?=[, ]|$)/g)].map(([, name]) => name!).filter((name) => name !== 'test');
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(existsSync(join(ROOT, 'test', name)), `test/${name}/`).toBe(true);
  });
});
