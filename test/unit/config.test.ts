import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('when nothing is configured, then the embedded defaults are used', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.database).toEqual({ kind: 'embedded', dir: path.join(config.dataDir, 'postgres'), port: undefined });
    expect(config.keycloak.url).toBeUndefined();
    expect(config.keycloak.local.port).toBe(8180);
    expect(config.roles.cpiAdmin).toBe('cpi-admin');
  });

  it('when DATABASE_URL is set, then PostgreSQL is used', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db.internal:5432/bridge' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db.internal:5432/bridge' });
  });

  it('when EMBEDDED_POSTGRES_PORT is set, then the embedded PostgreSQL uses that port', () => {
    const config = loadConfig({ DATA_DIR: '/srv/bridge', EMBEDDED_POSTGRES_PORT: '55432' });
    expect(config.database).toEqual({ kind: 'embedded', dir: path.join('/srv/bridge', 'postgres'), port: 55432 });
  });

  it('when EMBEDDED_POSTGRES_PORT is not a port, then the error names it', () => {
    expect(() => loadConfig({ EMBEDDED_POSTGRES_PORT: '70000' })).toThrow(/EMBEDDED_POSTGRES_PORT/);
  });

  it('when several keys are bad, then the error names every one of them', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', KEYCLOAK_URL: 'http://kc:8080/', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    const message = (caught as InvalidConfigError).message;
    for (const key of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'KEYCLOAK_ADMIN_CLIENT_SECRET']) expect(message).toContain(key);
  });

  it('when KEYCLOAK_URL has a trailing slash, then it is normalised', () => {
    const config = loadConfig({ KEYCLOAK_URL: 'http://kc:8080/', KEYCLOAK_ADMIN_CLIENT_SECRET: 's' });
    expect(config.keycloak.url).toBe('http://kc:8080');
  });

  it('when PUBLIC_URL is unset, then the console is reached on 127.0.0.1 and the configured port', () => {
    expect(loadConfig({ PORT: '3100' }).publicUrl).toBe('http://127.0.0.1:3100');
  });

  it('when PUBLIC_URL is set, then it is used without a trailing slash, and a path is refused', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://bridge.example.com/' }).publicUrl).toBe('https://bridge.example.com');
    expect(() => loadConfig({ PUBLIC_URL: 'https://example.com/bridge' })).toThrow(/PUBLIC_URL must be an origin/);
  });

  it('when the shutdown settings are unset, then no drain delay, a 15 s request timeout and the 20 s hard stop; when set, then the hard stop moves with them', () => {
    expect(loadConfig({}).shutdown).toEqual({ drainDelayMs: 0, timeoutMs: 15_000, hardStopMs: 20_000 });
    expect(loadConfig({ SHUTDOWN_DRAIN_DELAY_MS: '3000', SHUTDOWN_TIMEOUT_MS: '10000' }).shutdown).toEqual({ drainDelayMs: 3_000, timeoutMs: 10_000, hardStopMs: 18_000 });
    expect(() => loadConfig({ SHUTDOWN_DRAIN_DELAY_MS: '-1' })).toThrow(/SHUTDOWN_DRAIN_DELAY_MS/);
  });
});
