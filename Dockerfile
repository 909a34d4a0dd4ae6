# The bridge for people with Docker (docker-compose.yml). Not buildable on the CI machines,
# which have no Docker engine; `npm start` is the supported local path there.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY keycloak-realm ./keycloak-realm
RUN mkdir -p /app/.data && chown node /app/.data
USER node
EXPOSE 3000
CMD ["node_modules/.bin/tsx", "src/main.ts"]
