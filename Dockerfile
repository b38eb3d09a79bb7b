# A small image of the `cutover` binary (about 40 MB: the binary, CA certificates, a shell for
# the Kubernetes examples). Build at the repository root:
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
