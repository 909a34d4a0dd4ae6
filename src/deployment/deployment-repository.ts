// The deployment id, pinned in the database: one database is one deployment, so replicas sharing
// it share the id, and bridges with their own databases have their own.
import type { PrismaClient } from '../generated/prisma/client.ts';

export class DeploymentIdMismatchError extends Error {
  constructor(configured: string, stored: string) {
    super(`DEPLOYMENT_ID is ${configured} but this database belongs to deployment ${stored}: unset DEPLOYMENT_ID or set it to ${stored}`);
    this.name = 'DeploymentIdMismatchError';
  }
}

/**
 * The database's deployment id. A database without one takes `configured`, or else `fallback()`
 * (kept under DATA_DIR by main.ts); a configured id that differs from the stored one is refused.
 */
export async function resolveDeploymentId(prisma: PrismaClient, configured: string | undefined, fallback: () => Promise<string>): Promise<string> {
  const stored = await prisma.deploymentIdentity.findUnique({ where: { id: 1 } });
  let id = stored?.deploymentId;
  if (!id) {
    const wanted = configured ?? (await fallback());
    // Replicas starting together: the first insert wins and every one reads it back.
    await prisma.$executeRaw`INSERT INTO deployment_identity (id, deployment_id) VALUES (1, ${wanted}) ON CONFLICT (id) DO NOTHING`;
    id = (await prisma.deploymentIdentity.findUniqueOrThrow({ where: { id: 1 } })).deploymentId;
  }
  if (configured && configured !== id) throw new DeploymentIdMismatchError(configured, id);
  return id;
}
