# A monorepo build: one stage per component, assembled at the end
ARG CHANNEL_0="2.15.4"
ARG COMMIT_1
ARG GID_2
ARG REGISTRY_3
ARG REGISTRY_4="8.2.7"
ARG GID_5="9.3.9"
ARG CHANNEL_6="1.11.3"
ARG GID_7="6.11.8"

FROM rust:1.78-slim AS component-0
WORKDIR /work/component-0
COPY components/0/ ./
RUN echo building component 0 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/0

FROM python:3.12-slim AS component-1
WORKDIR /work/component-1
COPY components/1/ ./
RUN echo building component 1 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/1

FROM python:3.12-slim AS component-2
WORKDIR /work/component-2
COPY components/2/ ./
RUN echo building component 2 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/2

FROM alpine:3.20 AS component-3
WORKDIR /work/component-3
COPY components/3/ ./
RUN echo building component 3 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/3

FROM alpine:3.20 AS component-4
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

FROM alpine:3.20 AS component-6
WORKDIR /work/component-6
COPY components/6/ ./
RUN echo building component 6 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/6

FROM rust:1.78-slim AS component-7
WORKDIR /work/component-7
COPY components/7/ ./
RUN echo building component 7 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/7

FROM eclipse-temurin:21-jdk AS component-8
WORKDIR /work/component-8
COPY components/8/ ./
RUN echo building component 8 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/8

FROM python:3.12-slim AS component-9
WORKDIR /work/component-9
COPY components/9/ ./
RUN echo building component 9 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/9

FROM node:20-bookworm AS component-10
WORKDIR /work/component-10
COPY components/10/ ./
RUN echo building component 10 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/10

FROM alpine:3.20 AS component-11
WORKDIR /work/component-11
COPY components/11/ ./
RUN echo building component 11 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/11

FROM python:3.12-slim AS component-12
WORKDIR /work/component-12
COPY components/12/ ./
RUN echo building component 12 \
    && make -j$(nproc) \
    && make install DESTDIR=/out/12

FROM debian:bookworm-slim AS final
COPY --from=component-0 /out/0/ /
COPY --from=component-1 /out/1/ /
COPY --from=component-2 /out/2/ /
COPY --from=component-3 /out/3/ /
COPY --from=component-4 /out/4/ /
COPY --from=component-5 /out/5/ /
COPY --from=component-6 /out/6/ /
COPY --from=component-7 /out/7/ /
COPY --from=component-8 /out/8/ /
COPY --from=component-9 /out/9/ /
COPY --from=component-10 /out/10/ /
COPY --from=component-11 /out/11/ /
COPY --from=component-12 /out/12/ /
LABEL maintainer="platform team" version="13"
ENTRYPOINT ["/usr/local/bin/entry"]
