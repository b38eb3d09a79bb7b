# An image of the `cutover` binary (the binary, CA certificates, a shell for the Kubernetes
# examples). Not built here yet (no Docker daemon where it was written); expected size about
# 175 MB uncompressed: the stripped release binary is 98.7 MB (2026-12-07; polars and the
# simulator are in it) on debian:bookworm-slim (about 75 MB). Build at the repository root:
#   docker build -t cutover:dev .
#   docker run --rm cutover:dev --help
# examples/kubernetes/ runs it as Indexed Jobs (sharded validate and replay).

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
# Only the binary; the simulator is inside it (`cutover sim`, `cutover demo`).
RUN cargo build --release --locked --bin cutover \
 && strip target/release/cutover

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /work cutover \
 && mkdir -p /work /out && chown cutover /work /out
COPY --from=build /src/target/release/cutover /usr/local/bin/cutover
USER cutover
WORKDIR /work
ENTRYPOINT ["cutover"]
