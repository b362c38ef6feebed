"""Every rule: a Dockerfile it catches and a near-identical one it does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dfc.compiler.lint.codes import CODES
from dfc.compiler.lint.model import Finding

F = "FROM debian:12\n"
A = "FROM alpine:3.20\n"

# code -> (catches, clean)
CASES: dict[str, tuple[str, str]] = {
    "DFC006": (F + "RUN echo a && \\\n\n    echo b\n", F + "RUN echo a && \\\n    echo b\n"),
    "DFC007": (F + "run echo a\nRUN echo b\n", F + "RUN echo a\nRUN echo b\n"),
    "DFC008": ("FROM debian:12 as build\n", "FROM debian:12 AS build\n"),
    "DFC009": (
        "# compiles\nFROM debian:12 AS build\n",
        "# build compiles\nFROM debian:12 AS build\n",
    ),
    "DFC100": ("FROM debian\n", "FROM debian:12\n"),
    "DFC101": ("FROM debian:latest\n", "FROM debian:12\n"),
    "DFC102": ("FROM debian:12\n", "FROM debian:12@sha256:" + "a" * 64 + "\n"),
    "DFC104": (
        "FROM --platform=linux/amd64 debian:12\n",
        "FROM --platform=linux/amd64 debian:12 AS build-amd64\n",
    ),
    "DFC105": (
        "FROM --platform=$TARGETPLATFORM debian:12\n",
        "FROM --platform=$BUILDPLATFORM debian:12\n",
    ),
    "DFC106": (
        "FROM debian:12 AS a\nFROM debian:12 AS A\n",
        "FROM debian:12 AS a\nFROM debian:12 AS b\n",
    ),
    "DFC107": ("FROM debian:12 AS context\n", "FROM debian:12 AS ctx\n"),
    "DFC108": ("FROM debian:12 AS Build\n", "FROM debian:12 AS build\n"),
    "DFC109": ("ARG VERSION=12\nFROM debian:$VERSIN\n", "ARG VERSION=12\nFROM debian:$VERSION\n"),
    "DFC110": ('ARG TAG=""\nFROM debian:$TAG\n', "ARG TAG=12\nFROM debian:$TAG\n"),
    "DFC111": ("ARG BASE\nFROM $BASE\n", "ARG BASE=debian:12\nFROM $BASE\n"),
    "DFC112": (
        "FROM debian:12 AS build\nFROM debian:12\nCOPY --from=biuld /a /b\n",
        "FROM debian:12 AS build\nFROM debian:12\nCOPY --from=build /a /b\n",
    ),
    "DFC113": (
        "FROM debian:12 AS app\nCOPY --from=app /a /b\n",
        "FROM debian:12 AS app\nCOPY --from=debian:12 /a /b\n",
    ),
    "DFC114": (
        "FROM debian:12 AS a\nFROM scratch\nCOPY --from=a / /\n",
        "FROM debian:12 AS a\nFROM scratch\nCOPY --from=a /etc /etc\n",
    ),
    "DFC115": (
        "FROM debian:12 AS tests\nFROM debian:12\n",
        "FROM debian:12 AS tests\nFROM tests\n",
    ),
    "DFC200": (F + "MAINTAINER me\n", F + "LABEL org.opencontainers.image.authors=me\n"),
    "DFC201": (F + "CMD node server.js\n", F + 'CMD ["node", "server.js"]\n'),
    "DFC202": (F + "ENV A b\n", F + "ENV A=b\n"),
    "DFC203": (F + "WORKDIR app\n", F + "WORKDIR /app\n"),
    "DFC204": (F + "EXPOSE 80000\n", F + "EXPOSE 8000\n"),
    "DFC205": (F + "EXPOSE 53/UDP\n", F + "EXPOSE 53/udp\n"),
    "DFC206": (F + "EXPOSE 127.0.0.1:80:80\n", F + "EXPOSE 80\n"),
    "DFC207": (F + 'CMD ["a"]\nCMD ["b"]\n', F + 'CMD ["b"]\nFROM debian:12\nCMD ["c"]\n'),
    "DFC208": (F + 'ENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n', F + 'ENTRYPOINT ["b"]\n'),
    "DFC209": (F + "HEALTHCHECK CMD true\nHEALTHCHECK NONE\n", F + "HEALTHCHECK CMD true\n"),
    "DFC210": (F + "ADD app.py /srv/\n", F + "ADD app.tar.gz /srv/\n"),
    "DFC211": (F + "COPY a b /dst\n", F + "COPY a b /dst/\n"),
    "DFC212": (F + "ENV A=1 B=$A\n", F + "ENV A=1\nENV B=$A\n"),
    "DFC213": ("FROM scratch\nCOPY a b/\n", "FROM scratch\nWORKDIR /srv\nCOPY a b/\n"),
    "DFC214": (F + "LABEL Bad_Key=1\n", F + "LABEL good.key=1\n"),
    "DFC219": (F + "USER root\n", "FROM debian:12\nUSER root\nFROM debian:12\nUSER 1000\n"),
    "DFC220": (F + "USER app\n", F + "USER 1000:1000\n"),
    "DFC221": (F + "ARG GITHUB_TOKEN\n", F + "ARG GITHUB_TOKEN_FILE\n"),
    "DFC222": (F + "RUN a\n# note\nRUN b\n", F + "RUN a && b\nRUN c\n"),
    "DFC300": (F + "RUN service nginx start\n", F + "RUN nginx -t\n"),
    "DFC301": (F + "RUN cd /src && make\n", F + "WORKDIR /src\nRUN make\n"),
    "DFC302": (F + "RUN sudo make install\n", F + "RUN make install\n"),
    "DFC303": (F + "RUN apt-get install -y curl\n", F + "RUN apt-get install -y curl=7.88\n"),
    "DFC304": (
        F + "RUN apt-get update && apt-get install -y x=1\n",
        F + "RUN apt-get update && apt-get install -y x=1 && rm -rf /var/lib/apt/lists/*\n",
    ),
    "DFC305": (
        F + "COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
        F + "ADD app.tar.gz /opt/\n",
    ),
    "DFC306": (F + "RUN pip install flask\n", F + "RUN pip install flask==3.0.3\n"),
    "DFC307": (F + "RUN apt-get install curl=1\n", F + "RUN apt-get install -qq curl=1\n"),
    "DFC308": (
        F + "RUN apt-get install -y curl=1\n",
        F + "RUN apt-get install -y --no-install-recommends curl=1\n",
    ),
    "DFC309": (F + "RUN npm install -g typescript\n", F + "RUN npm install -g typescript@5.6.3\n"),
    "DFC310": (A + "RUN apk add --no-cache curl\n", A + "RUN apk add --no-cache curl=8.11.1-r0\n"),
    "DFC311": (
        A + "RUN apk add curl=1\n",
        A + "RUN --mount=type=cache,target=/var/cache/apk apk add curl=1\n",
    ),
    "DFC312": (F + "RUN apt install -y curl\n", F + "RUN apt-get install -y curl\n"),
    "DFC313": (F + "RUN gem install rails\n", F + "RUN gem install rails -v 7.2.1\n"),
    "DFC314": (
        F + "RUN yum install httpd-1 && yum clean all\n",
        F + "RUN yum install -y httpd-1 && yum clean all\n",
    ),
    "DFC315": (
        F + "RUN yum install -y httpd-1\n",
        F + "RUN yum install -y httpd-1 && yum clean all\n",
    ),
    "DFC316": (F + "RUN yum install -y httpd\n", F + "RUN yum install -y httpd-2.4.6\n"),
    "DFC317": (F + "RUN zypper install curl=1\n", F + "RUN zypper -n install curl=1\n"),
    "DFC318": (F + "RUN zypper dist-upgrade -y\n", F + "RUN zypper refresh\n"),
    "DFC319": (
        F + "RUN zypper install -y curl=1\n",
        F + "RUN zypper install -y curl=1 && zypper cc\n",
    ),
    "DFC320": (F + "RUN zypper install -y curl\n", F + "RUN zypper install -y curl=8\n"),
    "DFC321": (F + "RUN dnf install httpd-1\n", F + "RUN dnf install -y httpd-1\n"),
    "DFC322": (
        F + "RUN microdnf install -y nginx-1\n",
        F + "RUN microdnf install -y nginx-1 && microdnf clean all\n",
    ),
    "DFC323": (F + "RUN dnf install -y php\n", F + "RUN dnf install -y php-8.1\n"),
    "DFC324": (
        F + "RUN python3 -m pip install flask==3\n",
        F + "ENV PIP_NO_CACHE_DIR=1\nRUN python3 -m pip install flask==3\n",
    ),
    "DFC325": (F + "RUN useradd -u 123456789 app\n", F + "RUN useradd -l -u 123456789 app\n"),
    "DFC326": (F + "RUN wget https://x/y\n", F + "RUN wget -nv https://x/y\n"),
    "DFC327": (F + "RUN yarn install\n", F + "RUN yarn install && yarn cache clean\n"),
    "DFC328": (F + "RUN go install example.com/x\n", F + "RUN go install example.com/x@v1.2.3\n"),
    "DFC329": (
        F + "RUN wget -q https://x\nRUN curl -fsS https://y\n",
        F + "RUN wget -q https://x\nFROM debian:12\nRUN curl -fsS https://y\n",
    ),
    "DFC330": (F + "RUN ln -sf /bin/bash /bin/sh\n", F + 'SHELL ["/bin/bash", "-c"]\n'),
    "DFC331": (
        F + "RUN curl -fsS https://x | tar -xz\n",
        F + 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsS https://x | tar -xz\n',
    ),
    "DFC400": (
        'ARG V=1\nFROM debian:12\nRUN echo "$V"\n',
        'ARG V=1\nFROM debian:12\nARG V\nRUN echo "$V"\n',
    ),
    "DFC401": (
        F + 'ENV APP_VERSION=1\nRUN echo "$APP_VERISON"\n',
        F + 'ENV APP_VERSION=1\nRUN echo "$APP_VERSION"\n',
    ),
    "DFC402": ("ARG UNUSED=1\nFROM debian:12\n", "ARG TAG=12\nFROM debian:$TAG\n"),
    "DFC403": (F + "ENV GH=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n", F + "ENV GH=hello\n"),
    "DFC404": (
        F + "ARG NPM_TOKEN\nRUN npm ci\n",
        "FROM debian:12 AS build\nARG NPM_TOKEN\nRUN npm ci\nFROM debian:12\n"
        "COPY --from=build /x /x\n",
    ),
    "DFC406": (
        F + "COPY . /app\nRUN pip install -r /app/requirements.txt\n",
        F + "COPY requirements.txt /app/\nRUN pip install -r /app/requirements.txt\nCOPY . /app\n",
    ),
    "DFC407": (
        F + "ARG GIT_SHA\nRUN make\nLABEL rev=$GIT_SHA\n",
        F + "RUN make\nARG GIT_SHA\nLABEL rev=$GIT_SHA\n",
    ),
    "DFC408": (
        F + "RUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n",
        F + "RUN apt-get update && rm -rf /var/lib/apt/lists/*\n",
    ),
    "DFC409": (
        F + "COPY app/ /srv/app/\nRUN chown -R 1000 /srv/app\n",
        F + "COPY --chown=1000 app/ /srv/app/\n",
    ),
    "DFC410": (
        "FROM scratch AS build\nCOPY app /out/app\nFROM scratch\nCOPY --from=build /bin/app /app\n",
        "FROM scratch AS build\nCOPY app /out/app\nFROM scratch\nCOPY --from=build /out/app /app\n",
    ),
    "DFC411": ("FROM scratch\nUSER app\n", "FROM scratch\nUSER 1000\n"),
    "DFC414": ("FROM scratch\nRUN echo hi\n", 'FROM scratch\nRUN ["/app", "--selftest"]\n'),
    "DFC415": ("FROM scratch\nCOPY app /app\n", "FROM scratch\nCOPY app /app\nUSER 1000\n"),
}

# Rules whose cases need configuration, the build context or the base image (tested in
# test_context_rules.py) or are engine codes (tested with the engine).
ELSEWHERE = {
    "DFC000",
    "DFC001",
    "DFC002",
    "DFC003",
    "DFC004",
    "DFC005",
    "DFC103",
    "DFC116",
    "DFC215",
    "DFC216",
    "DFC217",
    "DFC218",
    "DFC405",
    "DFC412",
    "DFC413",
}


def test_every_code_has_cases() -> None:
    assert {c.code for c in CODES} - ELSEWHERE == set(CASES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_catches(code: str, findings: Callable[..., list[Finding]]) -> None:
    bad, _ = CASES[code]
    assert findings(bad, code), f"{code} should fire on:\n{bad}"


@pytest.mark.parametrize("code", sorted(CASES))
def test_catches_not(code: str, findings: Callable[..., list[Finding]]) -> None:
    _, good = CASES[code]
    assert findings(good, code) == [], f"{code} should not fire on:\n{good}"


# Edges where hadolint 2.15.1 (the oracle of tests/lint/test_hadolint_parity.py) showed
# a gap: (code, Dockerfile, caught?)
HADOLINT_EDGES = [
    ("DFC316", "FROM centos:7\nRUN yum install -y epel-release && yum clean all\n", True),
    ("DFC316", "FROM centos:7\nRUN yum install -y nginx-1.20.1 && yum clean all\n", False),
    ("DFC316", "FROM centos:7\nRUN yum install -y foo-1.0.rpm a-b.rpm && yum clean all\n", False),
    ("DFC316", "FROM centos:7\nRUN yum install -y foo.rpm && yum clean all\n", True),
    ("DFC323", "FROM fedora:39\nENV V=1\nRUN dnf install -y \"foo-$V\" && dnf clean all\n",
     False),
    ("DFC323", "FROM fedora:39\nRUN dnf install -y \"foo-$V\" && dnf clean all\n", True),
    ("DFC328", F + "RUN go install example.org/tool@latest\n", True),
    ("DFC328", F + "RUN go install example.org/tool@v1.2.3\n", False),
    ("DFC331", F + "RUN { echo a; } | tee /f\n", True),
    ("DFC331", F + "RUN for x in a b; do echo $x; done | sort\n", True),
    ("DFC331", F + "RUN { echo a; } > /f\n", False),
    ("DFC305", F + "COPY x.tar.gz /tmp/\nRUN gunzip /tmp/x.tar.gz\n", True),
]


@pytest.mark.parametrize("code, text, caught", HADOLINT_EDGES)
def test_hadolint_edges(code: str, text: str, caught: bool,
                        findings: Callable[..., list[Finding]]) -> None:
    assert bool(findings(text, code)) is caught
