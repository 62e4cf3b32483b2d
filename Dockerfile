# syntax=docker/dockerfile:1
# The habitat-operator image: built on Debian bookworm by the same scripts CI runs (scripts/install-deps and
# scripts/build), shipped on debian:bookworm-slim as a non-root user with an exec-form entrypoint (no shell needed).
#   docker build -t ghcr.io/habop/habitat-operator:0.1.0 .

ARG DEBIAN_TAG=bookworm
FROM debian:${DEBIAN_TAG} AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
COPY scripts/install-deps scripts/install-deps
# Dependencies first, in their own layer, so source edits do not reinstall them.
RUN scripts/install-deps && rm -rf /var/lib/apt/lists/*
COPY . .
# Boost.JSON, yaml-cpp, zlib, OpenSSL, libstdc++ and glibc are linked statically (HABOP_STATIC_LIBS, on by
# default): the binary is a static PIE that needs no shared library. See docs/operations.md, "Image".
# The default build type (RelWithDebInfo, -O2, stripped below) is the one operator/cold-text.ld was profiled on:
# another optimisation level makes other functions, which the list would not name.
RUN HABOP_BUILD_DIR=/src/build scripts/build \
      -DHABOP_BUILD_TESTS=OFF -DHABOP_BUILD_BENCHMARKS=OFF \
 && strip --strip-unneeded build/bin/habitat-operator \
 && { readelf --dynamic build/bin/habitat-operator | grep NEEDED || echo "needs no shared library"; }

FROM debian:${DEBIAN_TAG}-slim AS runtime
# Nothing to install: the binary needs no shared library; bookworm-slim gives it /etc/nsswitch.conf and /etc/hosts.
COPY --from=build /src/build/bin/habitat-operator /usr/local/bin/habitat-operator
COPY --from=build /src/LICENSE /usr/share/doc/habitat-operator/LICENSE
# 65532 matches runAsUser in deploy/base/deployment.yaml; numeric so runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/habitat-operator"]
