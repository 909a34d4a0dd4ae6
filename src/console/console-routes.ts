// Serves the web console (built from console/ into console/dist) at /console: its static files,
// index.html for every console route (the console routes in the browser), and config.json with
// what its sign-in needs. The console itself only calls the public /v1 API.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

export interface ConsoleSettings {
  /** Base URL of the realms' issuers as browsers reach Keycloak. */
  keycloakUrl: string;
  /** The realm whose cpi-admins act on every tenant. */
  platformRealm: string;
  /** The public client people sign in with, in every realm. */
  clientId: string;
}

export interface ConsoleRouterDeps {
  /** The built console (index.html and assets/). */
  distDir: string;
  settings: ConsoleSettings;
}

/** What the console's pages may load and call: themselves, and Keycloak for sign-in and tokens. */
function contentSecurityPolicy(keycloakOrigin: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ${keycloakOrigin}`,
    "img-src 'self' data:",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createConsoleRouter(deps: ConsoleRouterDeps): Router {
  const router = Router();
  const csp = contentSecurityPolicy(new URL(deps.settings.keycloakUrl).origin);
  const indexFile = path.join(deps.distDir, 'index.html');
  const secure = (res: Response) =>
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      // The sign-in answer (an authorization code) is in the URL: never send it on as a referrer.
      'Referrer-Policy': 'no-referrer',
    });

  // Express matches /console/ here too (routing is not strict): only the bare path is redirected.
  router.get('/console', (req, res, next) => (req.path === '/console' ? res.redirect(301, '/console/') : next()));

  router.get('/console/config.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({
      keycloak_url: deps.settings.keycloakUrl,
      platform_realm: deps.settings.platformRealm,
      client_id: deps.settings.clientId,
    });
  });

  router.use(
    '/console/assets',
    express.static(path.join(deps.distDir, 'assets'), {
      index: false,
      redirect: false,
      fallthrough: true,
      immutable: true,
      maxAge: '365d',
    }),
  );

  // Every other console path is a page of the console: index.html, which routes in the browser.
  router.get(['/console/', '/console/{*page}'], (req, res, next) => {
    if (req.path.startsWith('/console/assets/')) return next();
    secure(res).set('Cache-Control', 'no-cache');
    if (!existsSync(indexFile)) {
      res.status(503).type('text/plain').send('The console is not built: run `npm run build:console` (npm install runs it too).\n');
      return;
    }
    res.sendFile(indexFile);
  });

  return router;
}
