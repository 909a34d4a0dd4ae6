// Builds the console into console/dist, served by the bridge at /console (src/console/console-routes.ts).
// Preact's JSX is compiled by Vite's own transformer (Oxc), so no framework plugin is needed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const bridge = process.env.BRIDGE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the served build: nothing but the pages themselves leaves the bridge.
    sourcemap: false,
  },
  // `npm run console:dev`: pages from Vite with reload on change, the API and config.json from a
  // running bridge started with PUBLIC_URL=http://127.0.0.1:5173 (the portal client's redirects).
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/v1': bridge, '/console/config.json': bridge },
  },
});
