# provdisc serve in a container. Build: docker build -t provdisc .   (podman build works the same)
# Run:  docker run -d --name provdisc --network host -v /srv/provdisc/site:/etc/provdisc:ro \
#         -v provdisc-state:/var/lib/provdisc provdisc
# --network host is needed, not a choice: docs/deploy.md#a-container says why.
ARG BASE=node:20-slim

# the package as npm would install it: built from this checkout, then `npm pack`ed
FROM ${BASE} AS package
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm pack --ignore-scripts --pack-destination /tmp

FROM ${BASE}
COPY --from=package /tmp/provdisc-*.tgz /tmp/
RUN npm install -g --omit=dev --no-audit --no-fund /tmp/provdisc-*.tgz \
  && rm /tmp/provdisc-*.tgz && npm cache clean --force \
  && useradd --system --uid 10001 --user-group --home-dir /var/lib/provdisc provdisc \
  && install -d -o provdisc -g provdisc -m 0700 /var/lib/provdisc \
  && install -d -m 0755 /etc/provdisc
# the site (site.ini and the files it names) is mounted here read-only; the state lives in a volume
VOLUME ["/var/lib/provdisc"]
ENV STATE_DIRECTORY=/var/lib/provdisc
USER provdisc
WORKDIR /var/lib/provdisc
# serve answers GET /healthz with 200; the URL follows the site's listen (http or https, any certificate)
ENV PROVDISC_HEALTHZ=http://127.0.0.1:8080/healthz
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const u = new URL(process.env.PROVDISC_HEALTHZ); require(u.protocol.slice(0, -1)).get(u, { rejectUnauthorized: false }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
# SIGTERM (docker stop) sends the Bonjour goodbyes; SIGHUP (docker kill -s HUP) reloads the site
ENTRYPOINT ["provdisc"]
CMD ["serve", "--config", "/etc/provdisc/site.ini"]
