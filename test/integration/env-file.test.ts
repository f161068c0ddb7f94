import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../support/gateway-process.js';

const started: GatewayProcess[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const gateway of started.splice(0)) {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function preflightAllows(graphqlUrl: string, origin: string): Promise<string | null> {
  const response = await fetch(graphqlUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  return response.headers.get('access-control-allow-origin');
}

describe('a .env file in the working directory', () => {
  it('configures the gateway, with variables from the real environment winning', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'csss-dotenv-'));
    folders.push(folder);
    await writeFile(
      join(folder, '.env'),
      [
        '# as .env.example lists them',
        'SANDBOX_ENABLED=false',
        'CORS_ORIGINS=https://from-the-file.example',
        `DATA_DIR=${join(folder, 'data')}`,
      ].join('\n'),
    );
    const gateway = await spawnGateway({ CORS_ORIGINS: 'https://from-the-environment.example' }, { cwd: folder });
    started.push(gateway);

    // Only in the file: applied.
    const page = await fetch(gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('embeddable-sandbox');
    // In both: the environment wins.
    expect(await preflightAllows(gateway.graphqlUrl, 'https://from-the-environment.example')).toBe('https://from-the-environment.example');
    expect(await preflightAllows(gateway.graphqlUrl, 'https://from-the-file.example')).toBeNull();
  });

  it('is not needed: without one the defaults apply', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'csss-dotenv-'));
    folders.push(folder);
    const gateway = await spawnGateway({ DATA_DIR: join(folder, 'data') }, { cwd: folder });
    started.push(gateway);
    const page = await fetch(gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('embeddable-sandbox');
  });
});
