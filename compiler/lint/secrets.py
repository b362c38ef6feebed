"""What looks like a secret: names (hadolint DL3064, BuildKit's token rule) and values
(token formats of the big providers, private keys, JWTs)."""

from __future__ import annotations

import re

# hadolint's exact names (abridged to the distinctive ones) and substrings
EXACT = frozenset({
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN",
    "GH_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "NUGET_API_KEY", "PYPI_TOKEN", "DOCKER_PASSWORD",
    "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SLACK_TOKEN", "STRIPE_SECRET_KEY",
    "AZURE_CLIENT_SECRET", "GOOGLE_APPLICATION_CREDENTIALS", "DATABASE_URL", "SENTRY_DSN",
    "TWILIO_AUTH_TOKEN", "HEROKU_API_KEY", "SONAR_TOKEN", "CODECOV_TOKEN",
})
SUBSTRINGS = ("password", "passwd", "secret", "token", "api_key", "apikey", "client_key",
              "private_key", "credential", "auth_key")
TOKENS = frozenset({"apikey", "auth", "credential", "credentials", "key", "password", "pword",
                    "passwd", "secret", "token"})
HARMLESS = frozenset({"public", "file", "version", "path", "dir", "url", "name", "id",
                      "type", "length", "size", "expiry", "ttl", "header", "env", "var"})


def secret_name(name: str) -> bool:
    """Does an ARG/ENV name look like it holds a secret?

    >>> names = ("GITHUB_TOKEN", "AWS_ACCESS_KEY_ID", "DB_PASSWORD", "PASSWORD_FILE", "KEYBOARD")
    >>> [secret_name(n) for n in names]
    [True, True, True, False, False]
    """
    if name.upper() in EXACT:
        return True
    parts = [p for p in re.split(r"[_\-.]", name.lower()) if p]
    if any(p in HARMLESS for p in parts):
        return False
    if any(p in TOKENS for p in parts):
        return True
    return any(s in name.lower() for s in SUBSTRINGS)


VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("Slack token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}")),
    ("Stripe key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}")),
    ("OpenAI key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}")),
    ("PyPI token", re.compile(r"\bpypi-[A-Za-z0-9_\-]{50,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----")),
    ("JSON web token",
     re.compile(r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}")),
    ("password in URL", re.compile(r"\b[a-z][a-z0-9+.\-]*://[^/\s:@$]+:[^/\s@$]{3,}@")),
)


def secret_value(value: str) -> str | None:
    """The kind of credential `value` contains, None if it looks like none.

    >>> secret_value("ghp_" + "a" * 36), secret_value("1.2.3")
    ('GitHub token', None)
    """
    for kind, pattern in VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    return None
