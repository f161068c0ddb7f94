import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema, printGatewaySchema, type SchemaServices } from '../../src/graphql/schema.js';

describe('committed schema', () => {
  it('matches the SDL emitted from the decorators (run `npm run schema:emit` to update it)', async () => {
    const schema = await buildGatewaySchema({} as SchemaServices);
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(printGatewaySchema(schema)).toBe(committed);
  });
});
