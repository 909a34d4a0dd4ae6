// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), so
// migrations run without the native engine binary that Prisma would otherwise download.
// A plain `import` of the package does not work on Node (it imports a .wasm file as an ES
// module), so the module is instantiated by hand, once per process.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm');
type WasmExports = Record<string, unknown>;
// tsconfig has no DOM lib, which is where TypeScript declares WebAssembly; this is the slice we use.
const wasmRuntime = (globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }> };
}).WebAssembly;

let loading: Promise<SchemaEngineModule> | undefined;

async function instantiate(): Promise<SchemaEngineModule> {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const glue = (await import(pathToFileURL(path.join(packageDir, 'schema_engine_bg.js')).href)) as SchemaEngineModule & {
    __wbg_set_wasm(exports: WasmExports): void;
  };
  const bytes = await readFile(path.join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await wasmRuntime.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return glue;
}

export function loadSchemaEngineModule(): Promise<SchemaEngineModule> {
  loading ??= instantiate();
  return loading;
}

export async function createSchemaEngine(schema: string, adapter: object, log: (msg: string) => void = () => {}): Promise<SchemaEngine> {
  const module = await loadSchemaEngineModule();
  return module.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, (message: string) => log(message), adapter);
}
