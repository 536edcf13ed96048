# syntax=docker/dockerfile:1
# hello-server container image: a pinned Rust toolchain builds the binary,
# cargo-chef keeps the dependency build in its own cached layer, and the final
# stage is distroless (glibc, no shell, no package manager) running as the
# unprivileged uid 65532. Nothing is tied to one CPU architecture: the build
# stage names the library directory of whatever platform it builds for.
#
#   docker buildx build --platform linux/amd64 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse --short HEAD) -t hello-server .

ARG RUST_VERSION=1.95.0
ARG CARGO_CHEF_VERSION=0.1.78
# The two base images. Real builds keep these defaults; a build without registry
# access names local equivalents instead (scripts/cluster/image-bases.sh).
ARG BUILDER_IMAGE=rust:${RUST_VERSION}-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/base-nossl-debian12:nonroot

FROM ${BUILDER_IMAGE} AS chef
ARG CARGO_CHEF_VERSION
RUN cargo install cargo-chef --version "${CARGO_CHEF_VERSION}" --locked
WORKDIR /src

# The recipe lists only what affects dependency resolution, so the cook layer
# below is rebuilt only when Cargo.toml or Cargo.lock change.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --bin hello-server --recipe-path recipe.json
COPY . .
# The version comes from Cargo.toml (one source of truth); a VERSION build arg
# that disagrees with it is a release mistake, so it stops the build.
ARG VERSION=""
RUN if [ -n "${VERSION}" ] && ! grep -qx "version = \"${VERSION}\"" Cargo.toml; then \
      echo "VERSION=${VERSION} differs from the package version in Cargo.toml" >&2; exit 1; \
    fi
# build.rs embeds GIT_REVISION (there is no .git in the build context).
ARG REVISION=unknown
ENV GIT_REVISION=${REVISION}
# The runtime files are laid out under /runtime as they go into the final
# stage; libgcc_s sits in the multiarch directory of the platform built for
# (x86_64-linux-gnu, aarch64-linux-gnu, ...), which the compiler names.
RUN cargo build --release --locked --bin hello-server \
 && strip target/release/hello-server \
 && multiarch="$(gcc -print-multiarch)" \
 && mkdir -p "/runtime/usr/lib/${multiarch}" /runtime/usr/local/bin \
 && cp "/usr/lib/${multiarch}/libgcc_s.so.1" "/runtime/usr/lib/${multiarch}/" \
 && cp target/release/hello-server /runtime/usr/local/bin/

# base-nossl (glibc only) plus the one library Rust's unwinder needs,
# libgcc_s, from the same Debian release as the builder: ~15 MB smaller than
# distroless/cc, which also carries OpenSSL and libstdc++ this binary never loads.
FROM ${RUNTIME_IMAGE}
ARG VERSION=""
ARG REVISION=unknown
# Repository URL of the sources (make image passes the git remote's URL).
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="hello-server" \
      org.opencontainers.image.description="Greeting web service for GKE Autopilot and Cloud SQL for PostgreSQL" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=builder /runtime/usr/lib/ /usr/lib/
COPY --from=builder /runtime/usr/local/bin/hello-server /usr/local/bin/hello-server
# Numeric user so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 65532:65532
# 8080: public HTTP; 9090: admin (/metrics, /healthz).
EXPOSE 8080 9090
# For plain `docker run`; Kubernetes uses the chart's probes instead.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/hello-server", "check", "http://127.0.0.1:9090/healthz", "--timeout-ms", "2000"]
ENTRYPOINT ["/usr/local/bin/hello-server"]
