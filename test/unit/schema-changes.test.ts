import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changelogForRelease } from '../../src/cli/release.js';
import { compareSchemas, RELEASE_FILES, schemaChanges } from '../../src/cli/schema-changes.js';

const RELEASED = /* GraphQL */ `
  type Query {
    order(id: ID!): OtaOrder
  }
  type OtaOrder {
    orderId: String!
    simId: String!
  }
  enum PayType {
    ALIPAY
    WECHAT_PAY
  }
  input OrderInput {
    deviceId: String!
    payType: PayType
  }
  type Mutation {
    place(input: OrderInput!): OtaOrder!
  }
`;

const CHANGELOG =
  '# Changelog\n\n## Unreleased\n\n- Nothing yet.\n\n## 0.1.0\n\nThe first release; it already mentions `OtaOrder.simId`.\n';

/** Runs `npm run schema:changes` on these files as CI does; resolves to what it printed, or rejects with its failure. */
async function check(current: string, changelog = CHANGELOG): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), 'schema-changes-'));
  const files = {
    released: join(folder, 'released.graphql'),
    current: join(folder, 'schema.graphql'),
    changelog: join(folder, 'CHANGELOG.md'),
  };
  writeFileSync(files.released, RELEASED);
  writeFileSync(files.current, current);
  writeFileSync(files.changelog, changelog);
  let printed = '';
  await schemaChanges.run(['--released', files.released, '--current', files.current, '--changelog', files.changelog], (text) => {
    printed += text;
  });
  return printed;
}

describe('the schema-changes check (CI: breaking schema changes need a changelog entry)', () => {
  it('fails on a removed field that the Unreleased section does not name, naming the field', async () => {
    // An entry in an older release's section does not count: the next release must say it.
    await expect(check(RELEASED.replace('simId: String!', ''))).rejects.toThrow(/not name: `OtaOrder\.simId`/);
  });

  it('passes the same removal once the Unreleased section names it, and still lists it as breaking', async () => {
    const changelog = CHANGELOG.replace('- Nothing yet.', '- Removed `OtaOrder.simId`: read the SIM from `otaOrderAttempt` instead.');
    const printed = await check(RELEASED.replace('simId: String!', ''), changelog);
    expect(printed).toContain('breaking');
    expect(printed).toContain("OtaOrder.simId: Field 'simId' was removed from object type 'OtaOrder'");
  });

  it('fails on a new required input field and on a renamed enum value', async () => {
    await expect(check(RELEASED.replace('payType: PayType', 'payType: PayType\n    days: Int!'))).rejects.toThrow(/`OrderInput\.days`/);
    await expect(check(RELEASED.replace('WECHAT_PAY', 'WECHAT'))).rejects.toThrow(/`PayType\.WECHAT_PAY`/);
  });

  it('lists dangerous and safe changes without failing', async () => {
    const printed = await check(
      RELEASED.replace('WECHAT_PAY', 'WECHAT_PAY\n    IPAY88').replace('simId: String!', 'simId: String!\n    orderTime: String'),
    );
    expect(printed).toMatch(/dangerous[^\n]*\n {2}PayType\.IPAY88: /);
    expect(printed).toMatch(/safe:\n {2}OtaOrder\.orderTime: /);
  });

  it('passes the repository as committed: its schema against the last released one', async () => {
    const [released, current, changelog] = [RELEASE_FILES.released, RELEASE_FILES.current, RELEASE_FILES.changelog].map((file) =>
      readFileSync(file, 'utf8'),
    );
    expect((await compareSchemas(released!, current!, changelog!)).unannounced).toEqual([]);
  });
});

describe('npm run release', () => {
  it("turns the Unreleased notes into the version's section under a new, empty Unreleased", () => {
    const released = changelogForRelease(CHANGELOG, '0.2.0', '2026-12-06');
    expect(released).toContain('## Unreleased\n\n## 0.2.0 (2026-12-06)\n\n- Nothing yet.\n\n## 0.1.0');
    expect(() => changelogForRelease(released, '0.2.0', '2026-12-07')).toThrow('already has a 0.2.0 section');
    expect(() => changelogForRelease('# Changelog\n', '0.2.0', '2026-12-07')).toThrow('no "## Unreleased" section');
  });
});
