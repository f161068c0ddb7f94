import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildGatewaySchema, printGatewaySchema, type SchemaServices } from './schema.js';

// Printing never runs a resolver, so no services are needed behind the schema.
const schema = await buildGatewaySchema({} as SchemaServices);
const target = fileURLToPath(new URL('../../../schema/schema.graphql', import.meta.url));
await writeFile(target, printGatewaySchema(schema));
process.stdout.write(`wrote ${target}\n`);
