// GET /openapi.json (built once, on first request) and GET /docs: Swagger UI from the
// swagger-ui-dist package, its assets served by the bridge itself, so it works with no internet.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { Router } from 'express';
import { mount } from '../http/operation.ts';
import { apiOperations } from './api-operations.ts';
import { buildOpenApiDocument } from './openapi-document.ts';
import { openApiOperations } from './openapi-operations.ts';

const require = createRequire(import.meta.url);
const packageJson = JSON.parse(readFileSync(require.resolve('../../package.json'), 'utf8')) as { version: string };
// The folder only: requiring swagger-ui-dist itself would load its 1 MB browser bundle into the server.
const swaggerUiAssets = path.dirname(require.resolve('swagger-ui-dist/package.json'));

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>sa-bridge API reference</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  </head>
  <body>
    <main id="docs"></main>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script>
      window.addEventListener('load', () => {
        window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', deepLinking: true, validatorUrl: null, docExpansion: 'list' });
      });
    </script>
  </body>
</html>
`;

export function openApiVersion(): string {
  return packageJson.version;
}

export function createOpenApiRouter(): Router {
  const router = Router();
  let document: string | undefined;
  mount(router, openApiOperations.document, (_input, _req, res) => {
    document ??= JSON.stringify(buildOpenApiDocument(apiOperations, { version: openApiVersion() }));
    res.type('application/json').send(document);
  });
  mount(router, openApiOperations.docs, (_input, _req, res) => {
    res.type('html').send(docsPage);
  });
  router.use('/docs/assets', express.static(swaggerUiAssets, { index: false, maxAge: '1d' }));
  return router;
}
