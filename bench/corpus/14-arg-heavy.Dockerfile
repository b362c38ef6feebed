# Parameterised base image 14: everything comes from build args
ARG APP_0
ARG VERSION_1
ARG BUILD_DATE_2
ARG VERSION_3
ARG CHANNEL_4="8.0.1"
ARG TARGETARCH_5="1.12.7"
ARG COMMIT_6="6.17.7"
ARG COMMIT_7
ARG BUILD_DATE_8="9.13.4"
ARG PORT_9="4.13.5"
ARG CHANNEL_10="3.17.5"
ARG BUILD_DATE_11="6.8.2"
ARG TARGETARCH_12="2.16.0"
ARG GID_13="8.10.2"
ARG TARGETARCH_14="4.4.0"
ARG BUILD_DATE_15="8.9.9"
ARG UID_16="1.1.7"
ARG CHANNEL_17
ARG VERSION_18="9.17.0"
ARG REGISTRY_19
ARG BASE_IMAGE=ubuntu:22.04
FROM ${BASE_IMAGE}
ARG VERSION_0="7.12.0"
ARG VERSION_1
ARG VERSION_2="1.10.3"
ARG CHANNEL_3="3.10.0"
ARG TARGETARCH_4="1.12.0"
ARG CHANNEL_5="7.19.1"
ARG COMMIT_6="7.3.0"
ARG REGISTRY_7="8.15.0"
ARG PORT_8="2.9.4"
ARG COMMIT_9
ARG CHANNEL_10="1.3.2"
ARG PORT_11
ARG REGISTRY_12
ARG PORT_13="2.10.6"
ARG GID_14="6.1.6"
ARG UID_15="6.6.2"
ARG VERSION_16="9.11.6"
ARG GID_17
ARG TARGETARCH_18="2.13.8"
ARG REGISTRY_19="6.6.0"
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
        ca-certificates \
        gnupg \
        libpq-dev \
        make \
        openssh-client \
        tzdata \
        unzip \
        wget \
        xz-utils \
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
    && curl -fsSL https://example.com/tool-9.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-10.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-11.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-12.tar.gz | tar -xz -C /usr/local
USER 1000:1000
WORKDIR /home/user
CMD bash
