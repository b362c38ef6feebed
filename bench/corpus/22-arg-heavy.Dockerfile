# Parameterised base image 22: everything comes from build args
ARG GID_0="3.2.9"
ARG COMMIT_1
ARG REGISTRY_2="1.11.9"
ARG REGISTRY_3="2.3.4"
ARG COMMIT_4
ARG VERSION_5
ARG UID_6="2.15.2"
ARG VERSION_7
ARG PORT_8
ARG CHANNEL_9="8.5.1"
ARG UID_10="1.5.3"
ARG GID_11="7.19.0"
ARG BUILD_DATE_12
ARG PORT_13="1.0.8"
ARG BUILD_DATE_14
ARG BUILD_DATE_15="1.18.8"
ARG TARGETARCH_16
ARG APP_17
ARG UID_18="5.17.9"
ARG CHANNEL_19="5.14.0"
ARG TARGETARCH_20="9.18.2"
ARG PORT_21="9.17.5"
ARG TARGETARCH_22
ARG PORT_23="8.19.1"
ARG BASE_IMAGE=ubuntu:22.04
FROM ${BASE_IMAGE}
ARG COMMIT_0="2.16.2"
ARG COMMIT_1="6.9.3"
ARG APP_2
ARG VERSION_3="1.9.9"
ARG VERSION_4
ARG BUILD_DATE_5="3.14.6"
ARG BUILD_DATE_6="5.20.9"
ARG CHANNEL_7="7.18.9"
ARG BUILD_DATE_8
ARG CHANNEL_9
ARG BUILD_DATE_10="8.20.6"
ARG PORT_11
ARG UID_12="6.5.0"
ARG BUILD_DATE_13
ARG GID_14="4.11.8"
ARG REGISTRY_15
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
        gnupg \
        jq \
        libffi-dev \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*
RUN curl -fsSL https://example.com/tool-0.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-1.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-2.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-3.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-4.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-5.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-6.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-7.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-8.tar.gz | tar -xz -C /usr/local
USER 1000:1000
WORKDIR /home/user
CMD bash
