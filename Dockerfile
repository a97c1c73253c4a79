# LLM MCP Hub in a container: lighttpd + spawn-fcgi + the FastCGI responders,
# started by `hub serve` exactly as `./hub run` starts them, as a non-root user.
#
#   docker build -t llm-mcp-hub .
#   docker run -d --name hub -p 127.0.0.1:8080:8080 \
#       -e CLAUDE_CODE_OAUTH_TOKEN \
#       -v hub-state:/var/lib/llm-mcp-hub/state \
#       -v "$PWD/gemini:/var/lib/llm-mcp-hub/gemini" \
#       llm-mcp-hub
#   docker logs hub      # the client key made on the first start, shown once
#
# Client keys (docker/entrypoint.sh): HUB_API_KEYS / HUB_API_KEYS_FILE as
# given; with neither, the first start makes a key, prints it once, and
# keeps only its SHA-256 in the state volume. The hub so never listens on
# 0.0.0.0 without authentication, and the published port always answers.
#
# Host names: requests must name the hub as localhost/127.0.0.1 (published
# port) or as one of HUB_ALLOWED_HOSTS (default: host.docker.internal and
# the names "hub" and "llm-mcp-hub" other containers may use); set it to
# your own service or public name (docs/CONFIGURATION.md), else 403.
#
# Redis: set REDIS_URL to a Redis the container can reach (see docs/DEPLOY.md,
# which also has a docker compose file). Without REDIS_URL, `hub serve`
# starts a private redis-server inside the container; its sessions are lost
# with the container unless /var/lib/llm-mcp-hub/state is a volume.
#
# Credentials: CLAUDE_CODE_OAUTH_TOKEN from the environment; the Gemini CLI's
# oauth_creds.json in a mounted directory (GEMINI_AUTH_PATH) that the user
# hub (uid 10001) can write: the CLI refreshes the token and the hub writes
# the refreshed file back beside a lock file.

# ------------------------------------------------------------------ build
FROM debian:12-slim AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	libfcgi-dev libjson-c-dev libhiredis-dev libcurl4-openssl-dev \
	nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Behind a proxy that re-signs TLS, npm needs that proxy's CA: pass a bundle
# with it, e.g. `--build-arg NPM_CONFIG_CAFILE=/run/build-ca.crt` and
# `-v /etc/ssl/certs/ca-certificates.crt:/run/build-ca.crt:ro` (podman,
# buildah; bench/docker.sh). Build arguments stay out of the image.
ARG NPM_CONFIG_CAFILE

WORKDIR /src
COPY . .
RUN autoreconf -fi \
 && ./configure --prefix=/usr/local \
 && make -j"$(nproc)" \
 && make install DESTDIR=/stage

# Node >= 20 for the Gemini CLI (Claude Code's installer wants 22). Debian 12
# ships 18, so Node 22 comes from npm, as `./hub` does it.
ARG TARGETARCH=amd64
RUN case "$TARGETARCH" in amd64) arch=x64 ;; arm64) arch=arm64 ;; \
	*) echo "unsupported architecture $TARGETARCH" >&2; exit 1 ;; esac \
 && npm install --no-audit --no-fund --loglevel=error --prefix /opt/node "node-linux-$arch@22" \
 && cp "/opt/node/node_modules/node-linux-$arch/bin/node" /opt/node/node
ENV PATH=/opt/node/node_modules/.bin:$PATH

# The pinned provider CLIs (versions in providers/install-clis.sh), with
# stable names in /opt/llm-mcp-hub/bin.
RUN mkdir -p /opt/llm-mcp-hub/bin \
 && export HUB_CLI_CACHE=/opt/llm-mcp-hub/cli \
 && ln -s "$(providers/install-clis.sh claude)" /opt/llm-mcp-hub/bin/claude \
 && ln -s "$(providers/install-clis.sh gemini)" /opt/llm-mcp-hub/bin/gemini \
 && /opt/llm-mcp-hub/bin/claude --version \
 && /opt/llm-mcp-hub/bin/gemini --version

# ---------------------------------------------------------------- runtime
FROM debian:12-slim

# What `hub serve` runs: bash, lighttpd, spawn-fcgi, redis-server (only used
# when REDIS_URL is unset), the libraries of hub-fcgi, curl for HEALTHCHECK,
# CA certificates for the CLIs' HTTPS.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	lighttpd spawn-fcgi redis-server curl ca-certificates bubblewrap \
	libfcgi0ldbl libjson-c5 libhiredis0.14 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/llm-mcp-hub --create-home hub \
 && mkdir -p /var/lib/llm-mcp-hub/state /var/lib/llm-mcp-hub/gemini \
 && chown hub:hub /var/lib/llm-mcp-hub/state /var/lib/llm-mcp-hub/gemini \
 && chmod 700 /var/lib/llm-mcp-hub/state /var/lib/llm-mcp-hub/gemini

# hub-fcgi (and any other installed program) in /usr/local/bin; node in
# /usr/local/bin, where the CLIs' children find it.
COPY --from=build /stage/usr/local/ /usr/local/
COPY --from=build /opt/node/node /usr/local/bin/node
COPY --from=build /opt/llm-mcp-hub/ /opt/llm-mcp-hub/
# `hub serve` needs the hub script and the lighttpd template with its
# error pages; the Apache example comes along for reference.
COPY hub /opt/llm-mcp-hub/hub
COPY lighttpd/ /opt/llm-mcp-hub/lighttpd/
COPY apache/ /opt/llm-mcp-hub/apache/
COPY docker/entrypoint.sh /opt/llm-mcp-hub/docker/entrypoint.sh

ENV HUB_BUILDDIR=/usr/local/bin \
	HUB_STATE_DIR=/var/lib/llm-mcp-hub/state \
	HUB_BIND=0.0.0.0 \
	HUB_ALLOWED_HOSTS=host.docker.internal,hub,llm-mcp-hub \
	HUB_PORT=8080 \
	HUB_STREAM_THREADS=512 \
	HUB_CLAUDE_CLI=/opt/llm-mcp-hub/bin/claude \
	HUB_GEMINI_CLI=/opt/llm-mcp-hub/bin/gemini \
	GEMINI_AUTH_PATH=/var/lib/llm-mcp-hub/gemini/oauth_creds.json \
	PATH=/opt/llm-mcp-hub/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

USER hub
WORKDIR /var/lib/llm-mcp-hub
EXPOSE 8080
# The state (sessions of the private Redis, the generated client key): keep
# it in a named volume (-v hub-state:/var/lib/llm-mcp-hub/state).
VOLUME /var/lib/llm-mcp-hub/state
# The health check asks /health at the container's own address (where a
# published port forwards to), through lighttpd, with the Host a client of
# the published port sends, and with a key of its own when
# HUB_AUTH_HEALTH=key: it fails whenever an outside client would.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
	CMD ["/opt/llm-mcp-hub/docker/entrypoint.sh", "healthcheck"]
# Every responder thread is a task: podman's default --pids-limit is 2048
# (measured: the three pools at 2 x 8, 2 x 128 and 2 x 512 threads with
# Redis, lighttpd and the rest are 1306 tasks, leaving room for the CLIs).
# More streams per container: raise HUB_STREAM_THREADS and --pids-limit.
# `hub serve` runs three responder pools: quick, chat and the stream pool
# for long-lived GET /sse streams (HUB_STREAM_WORKERS x HUB_STREAM_THREADS
# open streams; each costs lighttpd and the pool two open files, so run
# with a hard nofile limit of 16384 or more: Docker's default is ample).
# `hub serve` stops lighttpd, the responders and the private Redis on SIGTERM
# (docker stop) and exits when any of them ends.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/llm-mcp-hub/docker/entrypoint.sh"]
CMD ["serve"]
