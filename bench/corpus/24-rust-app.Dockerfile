FROM rust:1.78-slim AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/app/target,id=target-24 \
    cargo build --release \
    && cp target/release/server /usr/local/bin/server

FROM debian:bookworm-slim
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        gnupg \
        jq \
        locales \
        make \
        openssh-client \
        tzdata \
        unzip \
    && rm -rf /var/lib/apt/lists/*

COPY --from=builder /usr/local/bin/server /usr/local/bin/server
ONBUILD COPY config/ /etc/server/
ONBUILD RUN /usr/local/bin/server --check-config /etc/server
HEALTHCHECK NONE
CMD server --port 9024
