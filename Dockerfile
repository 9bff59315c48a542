# syntax=docker/dockerfile:1
# Production image: Next.js standalone output on Node 22, run as the unprivileged `node` user.
#   docker build -t foundry-agent-chat .
#   docker run -p 3000:3000 --env-file .env foundry-agent-chat
# See docs/DEPLOYMENT.md.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- dependencies (cached while package*.json are unchanged) ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the build needs none (SWC and Tailwind's engine are plain optional
# packages), and the devDependency `node` would otherwise download a Node binary.
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---- build ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

# ---- runtime: only the standalone server, static assets and the migrations ----
FROM ${NODE_IMAGE} AS runner
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data
COPY --from=build --chown=node:node /app/.next/standalone ./
COPY --from=build --chown=node:node /app/.next/static ./.next/static
COPY --from=build --chown=node:node /app/public ./public
# Migrations are read at start-up (lib/db/client.ts), not traced into the standalone bundle.
COPY --from=build --chown=node:node /app/lib/db/migrations ./lib/db/migrations
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Liveness through the app's own route, with Node (the slim image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "server.js"]
