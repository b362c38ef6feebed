# Parameterised base image 6: everything comes from build args
ARG APP_0
ARG REGISTRY_1
ARG VERSION_2
ARG PORT_3
ARG COMMIT_4="7.3.4"
ARG VERSION_5="4.5.3"
ARG PORT_6="7.19.1"
ARG PORT_7="7.8.1"
ARG CHANNEL_8
ARG UID_9="9.20.4"
ARG APP_10
ARG UID_11
ARG BUILD_DATE_12
ARG COMMIT_13
ARG APP_14="3.13.6"
ARG PORT_15
ARG UID_16
ARG GID_17
ARG TARGETARCH_18="6.18.2"
ARG PORT_19="4.16.7"
ARG BASE_IMAGE=ubuntu:22.04
FROM ${BASE_IMAGE}
ARG REGISTRY_0="1.19.8"
ARG COMMIT_1="1.1.8"
ARG APP_2="7.20.4"
ARG TARGETARCH_3
ARG GID_4="3.8.6"
ARG VERSION_5
ARG BUILD_DATE_6
ARG COMMIT_7="6.4.4"
ARG COMMIT_8="6.15.5"
ARG PORT_9
ARG PORT_10="7.18.5"
ARG BUILD_DATE_11
ARG VERSION_12="6.12.1"
ARG TARGETARCH_13
ARG UID_14
ARG APP_15
ENV VAR_0=${VERSION_0:-0} \
    VAR_1=${VERSION_1:-1} \
    VAR_2=${VERSION_2:-2} \
    VAR_3=${VERSION_3:-3} \
    VAR_4=${VERSION_4:-4} \
    VAR_5=${VERSION_5:-5} \
    VAR_6=${VERSION_6:-6} \
    VAR_7=${VERSION_7:-7} \
    VAR_8=${VERSION_8:-8} \
    VAR_9=${VERSION_9:-9} \
    VAR_10=${VERSION_10:-10} \
    VAR_11=${VERSION_11:-11}
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        jq \
        libxml2-dev \
        pkg-config \
        python3-dev \
        rsync \
        unzip \
        wget \
        zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL https://example.com/tool-0.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-1.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-2.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-3.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-4.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-5.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-6.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-7.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-8.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-9.tar.gz | tar -xz -C /usr/local
USER 1000:1000
WORKDIR /home/user
CMD bash
