# syntax=docker/dockerfile:1
# The sa-bridge image: compiled JavaScript on Node 24, production dependencies only, non-root.
# Used by docker-compose.yml (bridge and its setup job share this one image) and by the Helm chart
# in deploy/helm/sa-bridge. These project machines have no Docker engine: this file has not been
# built here; scripts/build.mjs and the production install below were run by hand (README,
# "Deploying").
#
#   docker build -t sa-bridge:0.1.0 .
#   docker run --rm -p 3000:3000 -e KEYCLOAK_URL=… -e KEYCLOAK_ADMIN_CLIENT_SECRET=… \
#     -e DATABASE_URL=postgres://… -e SERVER_ENCRYPTION_KEY=… sa-bridge:0.1.0
# Other entries of the same image:
#   node dist/scripts/migrate.js          apply prisma/migrations and exit (chart hook Job)
#   node dist/scripts/setup-keycloak.js   create the bridge's admin client (SETUP_* variables)
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: all dependencies, Prisma client generated (postinstall), TypeScript compiled --------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
# npm ci's postinstall generates the Prisma client and builds the console (console/dist).
COPY console ./console
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY keycloak-realm ./keycloak-realm
RUN npm run build

# --- production dependencies only ----------------------------------------------------------------
# --omit=optional too: the Prisma CLI and TypeScript are optional peers of @prisma/client, which
# npm would otherwise install (lockfile flag devOptional); the only other optional package is
# pg-cloudflare, for Cloudflare Workers. --ignore-scripts: postinstall runs `prisma generate`,
# and the generated client is already compiled into dist/.
# The Prisma runtime ships a query compiler for every database; the client uses PostgreSQL's.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error \
 && find node_modules/@prisma/client/runtime -type f \
      \( -name '*.mysql.*' -o -name '*.sqlite.*' -o -name '*.sqlserver.*' -o -name '*.cockroachdb.*' \) -delete \
 && find node_modules -type f -name '*.map' -delete \
 && npm cache clean --force >/dev/null 2>&1

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# DATA_DIR holds the generated server key only when SERVER_ENCRYPTION_KEY is unset (set it when
# several replicas share a database). The code itself stays owned by root: read-only for the app.
RUN mkdir -p /app/.data && chown 1000:1000 /app/.data
# Numeric (the image's `node` user), so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 3000
# Docker and compose use this; Kubernetes ignores it and uses the chart's probes instead.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# main.ts stops on SIGTERM: closes the server, flushes the audit buffer, stops jobs, closes the
# database; a 20 s hard stop bounds it (docker stop's default 10 s is too short: compose sets 30 s).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
