import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('.env.example', () => {
  it('lists exactly the variables the configuration reads', () => {
    // config.ts reads every variable through value('X'), integer('X', …), duration('X', …) or
    // env.X, and a credential through readSecret(env, 'X', …), which reads X and X_FILE.
    const source = read('src/config.ts');
    const readByConfig = [
      ...[...source.matchAll(/(?:value|integer|duration)\('([A-Z][A-Z0-9_]*)'|env\.([A-Z][A-Z0-9_]*)/g)].map(
        (match) => match[1] ?? match[2],
      ),
      ...[...source.matchAll(/readSecret\(env, '([A-Z][A-Z0-9_]*)'/g)].flatMap((match) => [match[1], `${match[1]}_FILE`]),
    ];
    const listed = [...read('.env.example').matchAll(/^# ?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(new Set(listed)).toEqual(new Set(readByConfig));
    expect(listed).toHaveLength(new Set(listed).size);
  });
});
