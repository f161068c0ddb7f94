import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildGatewaySchema, printGatewaySchema, type SchemaServices } from '../graphql/schema.js';
import { runWhenInvoked, UsageError, type Command } from './command-line.js';

export const emitSchema: Command = {
  usage: 'Usage: npm run schema:emit\n  writes schema/schema.graphql, the SDL emitted from the decorators (commit it)',
  async run(argv, write) {
    if (argv.length > 0) throw new UsageError(`unexpected argument "${argv[0]}"`);
    // Printing never runs a resolver, so no services are needed behind the schema.
    const schema = await buildGatewaySchema({} as SchemaServices);
    const target = fileURLToPath(new URL('../../../schema/schema.graphql', import.meta.url));
    await writeFile(target, printGatewaySchema(schema));
    write(`wrote ${target}\n`);
  },
};

runWhenInvoked(import.meta.url, emitSchema);
