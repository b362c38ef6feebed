# syntax=docker/dockerfile:1.7
# Python service 25: a builder stage makes wheels, the runtime installs only those.
ARG PYTHON_VERSION=3.12
ARG VERSION_0="2.8.9"
ARG TARGETARCH_1="4.17.0"
ARG COMMIT_2
ARG UID_3="9.5.7"

FROM python:${PYTHON_VERSION}-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=off \
    PIP_DISABLE_PIP_VERSION_CHECK=on
WORKDIR /app

FROM base AS builder
# System packages; the cache mount keeps .deb files between builds
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    apt-get update \
    && apt-get install -y --no-install-recommends \
        git \
        libssl-dev \
        locales \
        pkg-config \
        rsync \
        unzip \
        xz-utils \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt requirements-dev.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel --wheel-dir /wheels -r requirements.txt
RUN pip install \
    psycopg[binary]==3.1.19 \
    uvicorn[standard]==0.30.1 \
    pandas==2.2.2 \
    django==5.0.6 \
    celery==5.4.0 \
    gunicorn==22.0.0 \
    requests==2.32.3 \
    numpy==1.26.4

FROM base AS test
COPY --from=builder /wheels /wheels
RUN pip install /wheels/* && pip install pytest==8.2.2
COPY . .
RUN python -m pytest -q

FROM base AS runtime
LABEL org.opencontainers.image.title="service-25" \
      org.opencontainers.image.source="https://example.com/service-25" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system app && useradd --system --gid app --home /app app
COPY --from=builder --chown=app:app /wheels /wheels
RUN pip install --no-index /wheels/* && rm -rf /wheels
COPY --chown=app:app src/ ./src/
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')"
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "service.wsgi:application"]
