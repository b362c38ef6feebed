# Parameterised base image 30: everything comes from build args
ARG APP_0="7.5.3"
ARG VERSION_1
ARG VERSION_2="9.2.4"
ARG UID_3
ARG CHANNEL_4="2.19.1"
ARG APP_5="7.12.8"
ARG VERSION_6="7.19.5"
ARG REGISTRY_7="8.15.5"
ARG CHANNEL_8
ARG REGISTRY_9="7.14.7"
ARG UID_10
ARG TARGETARCH_11="4.3.8"
ARG VERSION_12="9.11.8"
ARG PORT_13
ARG PORT_14="6.15.9"
ARG APP_15="8.17.5"
ARG CHANNEL_16="8.18.6"
ARG VERSION_17="5.11.0"
ARG APP_18="7.14.0"
ARG BUILD_DATE_19="5.6.4"
ARG VERSION_20
ARG PORT_21
ARG PORT_22="8.6.9"
ARG CHANNEL_23="9.15.7"
ARG REGISTRY_24="2.12.9"
ARG UID_25
ARG TARGETARCH_26="7.16.0"
ARG REGISTRY_27="3.0.0"
ARG REGISTRY_28
ARG BASE_IMAGE=ubuntu:22.04
FROM ${BASE_IMAGE}
ARG CHANNEL_0
ARG APP_1="3.6.7"
ARG TARGETARCH_2="7.6.5"
ARG APP_3="1.17.6"
ARG CHANNEL_4
ARG REGISTRY_5="1.1.6"
ARG GID_6="4.2.7"
ARG VERSION_7="2.4.2"
ARG REGISTRY_8="7.20.3"
ARG BUILD_DATE_9="7.4.8"
ARG APP_10
ARG VERSION_11="5.19.9"
ARG REGISTRY_12="1.6.5"
ARG REGISTRY_13="2.18.1"
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
        libpq-dev \
        libssl-dev \
        openssh-client \
        python3-dev \
        rsync \
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
    && curl -fsSL https://example.com/tool-9.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-10.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-11.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-12.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-13.tar.gz | tar -xz -C /usr/local \
    && curl -fsSL https://example.com/tool-14.tar.gz | tar -xz -C /usr/local
USER 1000:1000
WORKDIR /home/user
CMD bash
