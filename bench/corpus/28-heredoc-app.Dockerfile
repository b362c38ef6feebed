# syntax=docker/dockerfile:1.4
FROM debian:bookworm-slim AS base-28
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl
rm -rf /var/lib/apt/lists/*
EOF
RUN <<-SCRIPT bash
	echo "tab-indented body for build 28"
	mkdir -p /opt/app/{bin,etc,var}
	SCRIPT
COPY <<EOF /opt/app/etc/app.conf
listen = 0.0.0.0:8028
workers = 14
EOF
COPY <<'RAW' <<ENV /opt/app/etc/
literal $HOME stays
RAW
HOME_DIR=$HOME
ENV
RUN python3 <<PY || true
print("hello from 28")
PY
WORKDIR /opt/app
ENTRYPOINT ["/opt/app/bin/start"]
