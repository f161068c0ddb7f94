import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('.env.example', () => {
  it('lists exactly the variables the configuration reads', () => {
    // config.ts and the group readers (*.config-reader.ts) read every variable through an
    // EnvReader: value('X'), integer('X', …), boolean('X', …), durationSeconds('X', …),
    // list('X'), and a credential through secret('X'), which reads X and X_FILE.
    const readers = readdirSync(new URL('../../src/', import.meta.url), { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('.config-reader.ts'),
    );
    const source = ['src/config.ts', ...readers.map((path) => `src/${path}`)].map(read).join('\n');
    expect(readers.length).toBeGreaterThan(0);
    const readByConfig = [
      ...[...source.matchAll(/\b(?:value|integer|boolean|durationSeconds|list)\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((match) => match[1]),
      ...[...source.matchAll(/\bsecret\(\s*'([A-Z][A-Z0-9_]*)'/g)].flatMap((match) => [match[1], `${match[1]}_FILE`]),
    ];
    const listed = [...read('.env.example').matchAll(/^# ?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(new Set(listed)).toEqual(new Set(readByConfig));
    expect(listed).toHaveLength(new Set(listed).size);
  });
});
