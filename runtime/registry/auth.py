"""Registry authentication: anonymous, Basic, and the Bearer token flow.

A registry answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`; the
client asks the realm for a token (with Basic credentials if it has any) for the scopes it
needs, and retries with `Authorization: Bearer TOKEN`. Tokens are cached per scope set.
A login that holds an identity token (an OAuth2 refresh token) asks with an OAuth2 POST
(`grant_type=refresh_token`) instead, as docker does.
The challenge is learnt once, from the `/v2/` ping, so that requests with a streamed body
(blob uploads) go out already authorised and never need a replay.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Generator

import httpx
import msgspec

from dfc.errors import DfcError
from dfc.runtime.registry.config import Credentials

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?')


class AuthError(DfcError):
    """The registry or its token server refused our credentials."""


class Challenge(msgspec.Struct, frozen=True):
    scheme: str
    params: dict[str, str]


class TokenResponse(msgspec.Struct, frozen=True):
    token: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None


OAUTH_CLIENT_ID = "dfc"


def parse_challenges(headers: list[str]) -> list[Challenge]:
    """`Bearer realm="https://auth",service="reg",scope="a b"` -> Challenge(s).

    >>> parse_challenges(['Bearer realm="https://a/token",service="reg",scope="x:y:pull"'])
    [Challenge(scheme='bearer', params={'realm': 'https://a/token', 'service': 'reg', \
'scope': 'x:y:pull'})]
    """
    found: list[Challenge] = []
    for header in headers:
        scheme, _, rest = header.strip().partition(" ")
        params = {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
                  for m in _PARAM.finditer(rest)}
        found.append(Challenge(scheme.lower(), params))
    return found


class RegistryAuth(httpx.Auth):
    """An httpx auth flow for one registry; thread-safe (layers transfer in parallel)."""

    def __init__(self, host: str, credentials: Credentials | None, scopes: set[str],
                 token_client: httpx.Client) -> None:
        self.host = host
        self.credentials = credentials
        self.scopes = set(scopes)
        self.challenge: Challenge | None = None
        self._tokens: dict[tuple[str, ...], str] = {}
        self._token_client = token_client
        self._lock = threading.Lock()

    def add_scope(self, scope: str) -> None:
        with self._lock:
            self.scopes.add(scope)

    def learn(self, response: httpx.Response) -> None:
        """Remember the challenge of a 401 (the `/v2/` ping's, typically)."""
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        usable = [c for c in challenges if c.scheme in ("bearer", "basic")]
        if usable:
            with self._lock:
                self.challenge = usable[0]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._authorise(request, extra=())
        response = yield request
        if response.status_code != 401:
            return
        sent = "Authorization" in request.headers
        self.learn(response)
        if self.challenge is None or not _replayable(request):
            return
        if self.challenge.scheme == "basic" and (sent or self.credentials is None):
            return  # the same credentials would be refused again
        extra = tuple(self.challenge.params.get("scope", "").split())
        self._authorise(request, extra=extra, fresh=True)
        yield request

    def authorise(self, request: httpx.Request) -> None:
        """Add the Authorization header this registry already asked for (no challenge is
        answered here: a request that gets a 401 goes through `auth_flow`)."""
        self._authorise(request, extra=())

    def _authorise(self, request: httpx.Request, extra: tuple[str, ...],
                   fresh: bool = False) -> None:
        challenge = self.challenge
        if challenge is None:
            return
        if challenge.scheme == "basic":
            if self.credentials is not None and self.credentials.username:
                request.headers["Authorization"] = basic_header(self.credentials)
            return
        token = self.token(challenge, extra, fresh)
        request.headers["Authorization"] = f"Bearer {token}"

    def token(self, challenge: Challenge, extra: tuple[str, ...] = (),
              fresh: bool = False) -> str:
        """A token for our scopes (plus `extra`), from the cache or the realm."""
        with self._lock:
            scopes = tuple(sorted(self.scopes | set(extra)))
            if not fresh and scopes in self._tokens:
                return self._tokens[scopes]
        realm = challenge.params.get("realm")
        if not realm:
            raise AuthError(f"{self.host}: bearer challenge without a realm")
        params: list[tuple[str, str]] = []
        if service := challenge.params.get("service"):
            params.append(("service", service))
        params += [("scope", s) for s in scopes]
        try:
            response = self._ask(realm, params, scopes)
        except httpx.HTTPError as exc:
            raise AuthError(f"cannot get a token from {realm}: {exc}") from None
        if response.status_code in (401, 403):
            raise AuthError(f"{self.host}: unauthorized: incorrect username or password")
        if response.status_code != 200:
            raise AuthError(f"{self.host}: token server {realm} answered "
                            f"{response.status_code}")
        try:
            body = msgspec.json.decode(response.content, type=TokenResponse)
        except msgspec.DecodeError:
            raise AuthError(f"{self.host}: token server {realm} sent no token") from None
        token = body.token or body.access_token
        if not token:
            raise AuthError(f"{self.host}: token server {realm} sent no token")
        with self._lock:
            self._tokens[scopes] = token
            creds = self.credentials
            if body.refresh_token and creds is not None and creds.identity_token:
                self.credentials = msgspec.structs.replace(
                    creds, identity_token=body.refresh_token)
        return token

    def _ask(self, realm: str, params: list[tuple[str, str]], scopes: tuple[str, ...]
             ) -> httpx.Response:
        """GET with Basic credentials, or the OAuth2 refresh-token POST for a login that
        holds an identity token."""
        creds = self.credentials
        if creds is not None and creds.identity_token:
            form = {"grant_type": "refresh_token", "refresh_token": creds.identity_token,
                    "client_id": OAUTH_CLIENT_ID, "scope": " ".join(scopes)}
            if service := dict(params).get("service"):
                form["service"] = service
            return self._token_client.post(realm, data=form)
        auth = None
        if creds is not None:
            auth = httpx.BasicAuth(creds.username, creds.password)
            params = [*params, ("account", creds.username)]
        return self._token_client.get(realm, params=tuple(params), auth=auth)


def basic_header(credentials: Credentials) -> str:
    pair = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _replayable(request: httpx.Request) -> bool:
    """Only a request whose body is in memory can be sent twice."""
    return isinstance(request.stream, httpx.ByteStream)
