import { describe, expect, it } from 'vitest';
import { findJdk, JdkNotFoundError } from '../../src/local-keycloak/find-jdk.ts';

describe('findJdk', () => {
  it('when no JDK is new enough, then the error is one line naming what to install', async () => {
    let caught: unknown;
    try {
      await findJdk({ minimumMajor: 99, keycloakVersion: '26.7.4' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JdkNotFoundError);
    const message = (caught as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/Keycloak 26\.7\.4 needs Java 99 or newer/);
    expect(message).toMatch(/install .*JAVA_HOME/);
  });

  it('when JAVA_HOME names a JDK that is too old, then a newer one is chosen', async () => {
    const jdk = await findJdk({ javaHome: '/nonexistent', minimumMajor: 11, keycloakVersion: '26.7.4' });
    expect(jdk.major).toBeGreaterThanOrEqual(11);
    expect(jdk.version).toMatch(/^\d+/);
  });
});
