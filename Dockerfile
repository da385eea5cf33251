# The operator's image: Node 24 LTS, production dependencies only, non-root.
# docker build -t agentfleet:dev . ; see the README for loading it into k3s.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The `node` devDependency would install a second Node; the image has one.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

FROM node:24.21.0-bookworm-slim
# MALLOC_ARENA_MAX, NODE_COMPILE_CACHE and the Node flags: src/cli/node-flags.ts says why.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 NODE_COMPILE_CACHE=/app/.node-compile-cache
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN mkdir /app/.node-compile-cache && chown 1000:1000 /app/.node-compile-cache
USER 1000:1000
# Node's compile cache, filled by loading every command's modules once, with the ENTRYPOINT's flags and
# as the user that runs them (V8 rejects code compiled under other flags; Node keeps a cache per user).
RUN ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "--input-type=module", "-e", "await Promise.all(['run', 'audit', 'import'].map((command) => import(`/app/dist/cli/${command}.js`)))"]
EXPOSE 8080
# Node flags: src/cli/node-flags.ts says why.
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "/app/dist/cli/main.js"]
CMD ["run"]
