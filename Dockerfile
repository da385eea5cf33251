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
# MALLOC_ARENA_MAX and the Node flags: src/cli/node-flags.ts says why.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 1000:1000
EXPOSE 8080
# Node flags: src/cli/node-flags.ts says why.
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "/app/dist/cli/main.js"]
CMD ["run"]
