"""A small OpenID Connect provider for the tests: a real HTTP server on a local port, with a real RSA key.

It serves discovery, the JWKS, an authorize endpoint that approves ``provider.person`` at once, a token endpoint that
checks the code, the client's secret and the PKCE verifier and answers with an ID token signed RS256, and userinfo.
``provider.tamper`` spoils the next ID tokens on purpose: ``{"key": "other"}`` signs with a key the JWKS does not
hold (same ``kid``), ``{"nonce": "x"}``, ``{"aud": "x"}``, ``{"iss": "x"}`` or ``{"exp": -600}`` (seconds from now).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "test-key-1"


@functools.cache
def signing_key(name: str) -> RSAKey:
    """One RSA key per name for the whole run: making a 2048-bit key takes a good part of a second."""
    return RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class OIDCProvider:
    def __init__(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.key = signing_key("provider")
        self.other_key = signing_key("forger")
        self.person: dict[str, Any] = {}
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.token_requests: list[dict[str, str]] = []
        self.server: WSGIServer = make_server("127.0.0.1", 0, self.app, handler_class=QuietHandler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> OIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The WSGI application.
    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        routes = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
            "/userinfo": self.userinfo,
        }
        handler = routes.get(environ["PATH_INFO"])
        if handler is None:
            return self.answer(start_response, "404 Not Found", {"error": "not_found"})
        return handler(environ, start_response)

    @staticmethod
    def answer(start_response: Any, status: str, body: dict[str, Any], headers: list | None = None) -> list[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), *(headers or [])])
        return [data]

    def discovery(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return self.answer(
            start_response,
            "200 OK",
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def jwks(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return self.answer(start_response, "200 OK", {"keys": [self.key.as_dict(private=False)]})

    def authorize(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        refused = (
            query.get("client_id") != self.client_id
            or query.get("redirect_uri") not in self.redirect_uris
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
        )
        if refused:
            return self.answer(start_response, "400 Bad Request", {"error": "invalid_request"})
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "person": dict(self.person),
        }
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        start_response("302 Found", [("Location", location)])
        return [b""]

    def token(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = {key: values[0] for key, values in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self.answer(start_response, "401 Unauthorized", {"error": "invalid_client"})
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri") or grant["challenge"] != challenge:
            return self.answer(start_response, "400 Bad Request", {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant["person"]
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["person"], grant["nonce"]),
        }
        return self.answer(start_response, "200 OK", body, [("Cache-Control", "no-store")])

    def id_token(self, person: dict[str, Any], nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.tamper.get("iss", self.issuer),
            "aud": self.tamper.get("aud", self.client_id),
            "iat": now,
            "exp": now + self.tamper.get("exp", 300),
            "nonce": self.tamper.get("nonce", nonce),
            **person,
        }
        key = self.other_key if self.tamper.get("key") == "other" else self.key
        return jwt.encode({"alg": "RS256", "kid": KID}, claims, key)

    def userinfo(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        person = self.access_tokens.get(bearer)
        if person is None:
            return self.answer(start_response, "401 Unauthorized", {"error": "invalid_token"})
        return self.answer(start_response, "200 OK", person)


CLIENT_ID = "servicedesk"
CLIENT_SECRET = "test-client-secret"
ROLE_MAP = {
    "sd-operators": "Service desk",
    "sd-support": "Support",
    "sd-managers": "Managers",
    "sd-cmdb": "Configuration managers",
    "sd-admins": "administrators",
}
GROUP_MAP = {"net-ops": "Network operations", "db-team": "Databases"}


def configure(settings: Any, provider: OIDCProvider) -> None:
    """The portal's settings for ``provider``, as the environment would give them (servicedesk/settings.py)."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Test ID"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_MAP = ROLE_MAP
    settings.OIDC_GROUP_MAP = GROUP_MAP
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "servicedesk.sso.backend.OIDCBackend"]
