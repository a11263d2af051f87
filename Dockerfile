# logship: one image for every subcommand (agent, sink, run, search, validate, ...).
#   docker build -t logship .
#   docker run --rm logship validate /etc/logship/agent.yaml
# Health checks live in docker-compose.yml, not here: the agent serves /healthz on 9464 and the sink on 9465,
# so one HEALTHCHECK in the image would be wrong for half of its uses.

FROM node:22-bookworm-slim AS build
WORKDIR /src
# Dependencies first, so a source change does not re-run npm ci.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The rest of the sources; .dockerignore keeps out tests, docs, state and local builds.
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
# The agent's checkpoints and spool go to the volume below; the default (./data/agent) would be under /app,
# which the logship user cannot write.
ENV NODE_ENV=production \
    LOGSHIP_AGENT_DATA_DIR=/var/lib/logship
RUN groupadd --system --gid 10001 logship \
 && useradd --system --uid 10001 --gid logship --home-dir /var/lib/logship --no-create-home \
            --shell /usr/sbin/nologin logship \
 && mkdir -p /var/lib/logship \
 && chown logship:logship /var/lib/logship \
 && chmod 0750 /var/lib/logship
WORKDIR /app
# The code stays owned by root: the process cannot rewrite it.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
# The web explorer's front end (logship ui): served as it is, never fetched from the internet.
COPY --from=build /src/ui/assets ./ui/assets
# Declared after the chown above, so a new volume starts out owned by logship.
VOLUME ["/var/lib/logship"]
EXPOSE 9464 9465
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/logship.js"]
CMD ["--help"]
