# A monorepo build: one stage per component, assembled at the end
ARG PORT_0
ARG APP_1="7.1.8"
ARG CHANNEL_2="4.12.1"
ARG CHANNEL_3="3.7.8"
ARG APP_4="5.2.1"
ARG COMMIT_5="2.16.5"
ARG GID_6

FROM ubuntu:22.04 AS component-0
WORKDIR /work/component-0
COPY components/0/ ./
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        gnupg \
        jq \
        libssl-dev \
        locales \
        make \
        pkg-config \
        tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN echo building component 0 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/0

FROM ubuntu:22.04 AS component-1
WORKDIR /work/component-1
COPY components/1/ ./
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        gnupg \
        jq \
        make \
        rsync \
    && rm -rf /var/lib/apt/lists/*
RUN echo building component 1 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/1

FROM rust:1.78-slim AS component-2
WORKDIR /work/component-2
COPY components/2/ ./
RUN echo building component 2 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/2

FROM golang:1.22-bookworm AS component-3
WORKDIR /work/component-3
COPY components/3/ ./
RUN echo building component 3 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/3

FROM golang:1.22-bookworm AS component-4
WORKDIR /work/component-4
COPY components/4/ ./
RUN echo building component 4 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/4

FROM node:20-bookworm AS component-5
WORKDIR /work/component-5
COPY components/5/ ./
RUN echo building component 5 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/5

FROM ubuntu:22.04 AS component-6
WORKDIR /work/component-6
COPY components/6/ ./
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates \
        gnupg \
        libssl-dev \
        rsync \
        unzip \
    && rm -rf /var/lib/apt/lists/*
RUN echo building component 6 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/6

FROM debian:bookworm-slim AS component-7
WORKDIR /work/component-7
COPY components/7/ ./
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential \
        gnupg \
        locales \
        rsync \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
RUN echo building component 7 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/7

FROM debian:bookworm-slim AS final
COPY --from=component-0 /out/0/ /
COPY --from=component-1 /out/1/ /
COPY --from=component-2 /out/2/ /
COPY --from=component-3 /out/3/ /
COPY --from=component-4 /out/4/ /
COPY --from=component-5 /out/5/ /
COPY --from=component-6 /out/6/ /
COPY --from=component-7 /out/7/ /
LABEL maintainer="platform team" version="21"
ENTRYPOINT ["/usr/local/bin/entry"]
