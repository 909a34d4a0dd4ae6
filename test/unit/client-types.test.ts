// The SDK's types are generated from the OpenAPI document (npm run generate:client): they must
// match what the document says today, or the client would promise fields the API does not have.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { clientTypesPath, renderClientTypes } from '../../scripts/generate-client-types.ts';

describe('SDK types', () => {
  it('when the types are generated from the current document, then they equal the committed src/client/api-types.ts', async () => {
    const committed = await readFile(clientTypesPath, 'utf8');
    expect(committed === (await renderClientTypes()), 'src/client/api-types.ts is out of date: run npm run generate:client').toBe(true);
  }, 60_000);
});
