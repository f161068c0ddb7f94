import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** A file's unit: its folder under src/, or the file itself when it sits in src/ (config.ts, secret.ts…). */
function unitOf(file: string): string {
  const path = relative(SRC, file);
  return path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, '');
}

/** Which unit imports which, from every relative import (type-only ones included). */
function unitImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = unitOf(file);
    const targets = graph.get(from) ?? new Set<string>();
    graph.set(from, targets);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s+'(\.{1,2}\/[^']+)'/g)) {
      const to = unitOf(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      if (to !== from) targets.add(to);
    }
  }
  return graph;
}

describe('source layout', () => {
  it('has no folder (or top-level file) that imports from one that imports it back', () => {
    const graph = unitImports();
    const reaches = (start: string, goal: string): boolean => {
      const seen = new Set<string>();
      const queue = [start];
      while (queue.length > 0) {
        const unit = queue.pop()!;
        if (unit === goal) return true;
        if (seen.has(unit)) continue;
        seen.add(unit);
        queue.push(...(graph.get(unit) ?? []));
      }
      return false;
    };
    const loops = [...graph].flatMap(([from, targets]) =>
      [...targets].filter((to) => reaches(to, from)).map((to) => `${from} -> ${to} -> … -> ${from}`),
    );
    expect(loops).toEqual([]);
    // The check itself sees the layout: the orders feature imports the journal.
    expect(graph.get('orders')?.has('journal')).toBe(true);
  });

  it('keeps the error table free of imports, so every folder may depend on it', () => {
    expect(unitImports().get('errors')).toEqual(new Set());
  });

  it('keeps authentication free of CSSS and observability: the request edge (src/request) joins them', () => {
    const auth = unitImports().get('auth');
    expect(auth?.has('csss')).toBe(false);
    expect(auth?.has('observability')).toBe(false);
    // The check sees the layout: the request edge imports authentication.
    expect(unitImports().get('request')?.has('auth')).toBe(true);
  });
});
