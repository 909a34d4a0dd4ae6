// Checks a response the tests received against the published contract: the app's own
// /openapi.json, read once per app. The operation must document the status; the body must match
// the documented schema for its media type (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses); every
// header the document marks required must be present. apiClient() runs it on every response, so
// every integration test checks the contract for free.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

// ajv-formats ships CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;

interface Documented {
  template: string;
  matcher: RegExp;
  method: string;
  operation: { operationId: string; responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, { required?: boolean }> }> };
}

interface Contract {
  ajv: Ajv2020;
  operations: Documented[];
}

const contracts = new Map<string, Promise<Contract>>();

async function loadContract(baseUrl: string): Promise<Contract> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
  const document = (await response.json()) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi.json');
  const operations: Documented[] = [];
  for (const [template, item] of Object.entries(document.paths as Record<string, Record<string, Documented['operation']>>)) {
    const matcher = templateMatcher(template);
    for (const [method, operation] of Object.entries(item)) operations.push({ template, matcher, method: method.toUpperCase(), operation });
  }
  return { ajv, operations };
}

/** `/v1/service-accounts/{id}` matches `/v1/service-accounts/<one segment>`. */
function templateMatcher(template: string): RegExp {
  const parts = template.split(/(\{[^}]+\})/).map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}

function pointer(...segments: string[]): string {
  return segments.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

export interface ReceivedResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * Fails the test when the response breaks the contract. A path or method the document does not
 * have (a test of unknown routes or unsupported methods) is not checked.
 */
export async function expectConforms(baseUrl: string, method: string, url: string, response: ReceivedResponse): Promise<void> {
  let contract = contracts.get(baseUrl);
  if (!contract) {
    contract = loadContract(baseUrl);
    contracts.set(baseUrl, contract);
  }
  const { ajv, operations } = await contract;
  const path = new URL(url, baseUrl).pathname;
  const documented = operations.find((o) => o.method === method.toUpperCase() && o.matcher.test(path));
  if (!documented) return;
  const where = `${method.toUpperCase()} ${documented.template} -> ${response.status}`;
  const spec = documented.operation.responses[String(response.status)];
  expect(spec, `${where}: the status is not in the contract`).toBeDefined();
  for (const [name, header] of Object.entries(spec!.headers ?? {})) {
    if (header.required) expect(response.headers.get(name), `${where}: required header ${name} is missing`).not.toBeNull();
  }
  if (response.status === 204 || response.body === undefined) {
    expect(spec!.content, `${where}: the contract promises a body`).toBeUndefined();
    return;
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  expect(Object.keys(spec!.content ?? {}), `${where}: media type ${mediaType} is not in the contract`).toContain(mediaType);
  const ref = `openapi.json#/${pointer('paths', documented.template, documented.method.toLowerCase(), 'responses', String(response.status), 'content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(ref);
  expect(validate, `${where}: no schema at ${ref}`).toBeDefined();
  const valid = validate!(response.body);
  expect(valid ? [] : (validate!.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`), `${where}: the body breaks the contract`).toEqual([]);
}
