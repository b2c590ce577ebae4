# syntax=docker/dockerfile:1
#
# The hub's image: built with the same script CI runs (scripts/build.sh), run as a non-root user
# on the same Debian release as the builder, so the glibc the binary was linked against is there.
#
#   docker build -t hub .
#   docker run --rm -p 8080:8080 -e HUB__AUTH__JWT_SECRET=... hub
#
# No Settings.toml is copied: production configuration comes from HUB__SECTION__KEY environment
# variables or a file mounted and named by HUB_CONFIG, and auth.jwt_secret must be set (the
# development secret is refused on 0.0.0.0).

# ---- builder ------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
# The system packages first, so this layer survives source changes.
COPY scripts/install-build-deps.sh scripts/
RUN bash scripts/install-build-deps.sh
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    bash scripts/build.sh

# ---- runtime ------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# Debian packages that provide the binary's shared libraries, beyond what bookworm-slim already
# has (glibc, libgcc). scripts/check-runtime-libs.sh reads this line and checks every library
# `ldd target/release/hub` resolves against it, so keep it on one line, in this form.
# ca-certificates for TLS peers; libssl3 and zlib1g are the runtime halves of the -dev packages
# scripts/install-build-deps.sh installs for the builder. (A build with `--features gssapi`, after
# `install-build-deps.sh --gssapi`, also needs libsasl2-2 here.)
ARG RUNTIME_PACKAGES="ca-certificates libssl3 zlib1g"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 hub \
    && useradd --system --uid 10001 --gid hub --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin hub
COPY --from=builder /src/target/release/hub /usr/local/bin/hub

USER 10001:10001
ENV HUB__SERVER__HOST=0.0.0.0 \
    HUB__LOG__FORMAT=json
EXPOSE 8080
# `hub healthcheck` probes /healthz (on server.admin_addr when set) with no curl in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["hub", "healthcheck"]
# The hub closes every socket with 1001, paced, within shutdown.grace_period (30 s by default):
# give it that long (docker stop -t 35; Kubernetes terminationGracePeriodSeconds >= 35).
STOPSIGNAL SIGTERM
ENTRYPOINT ["hub"]
CMD ["serve"]
