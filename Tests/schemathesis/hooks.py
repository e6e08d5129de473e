"""Schemathesis hooks: sign every request as a Holdfast terminal.

Load with ``SCHEMATHESIS_HOOKS=Tests/schemathesis/hooks.py schemathesis run docs/openapi.yaml ...``
(scripts/schemathesis does). Every request gets the four ``X-Holdfast-*`` headers computed as
Sources/TerminalProtocol/Signing/RequestSignature.swift does:

    canonical = METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SHA-256(body))
    signature = hex(HMAC-SHA256(secret, canonical))

PATH is the request target as sent (path and query), TIMESTAMP Unix milliseconds, NONCE fresh.

The signature is made by a ``requests`` auth object, which ``requests`` runs after it has
prepared the URL and the body, so it covers exactly the bytes that go on the wire, whatever
Schemathesis generated (valid JSON, broken JSON, an empty body). A retry re-prepares the request
and so gets a fresh nonce and timestamp.

Environment:
    HOLDFAST_CONFIG    configuration to read the terminal from
                       (default: firmware-config/holdfast-demo.yaml in this repository)
    HOLDFAST_TERMINAL  terminal id to sign as (default: demo-staff, a staff terminal, so the
                       staff-only ticket operations are exercised too)
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

import requests
import schemathesis
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
CONFIG = Path(os.environ.get("HOLDFAST_CONFIG", REPOSITORY / "firmware-config" / "holdfast-demo.yaml"))
TERMINAL = os.environ.get("HOLDFAST_TERMINAL", "demo-staff")


def _load_secret(config: Path, terminal: str) -> bytes:
    with config.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    for entry in document.get("terminals") or []:
        if entry.get("id") == terminal:
            secret = bytes.fromhex(str(entry["secret"]))
            if len(secret) != 32:
                raise ValueError(f"{config}: terminal {terminal!r} has a secret that is not 32 bytes")
            return secret
    raise ValueError(f"{config}: no terminal {terminal!r} under 'terminals'")


SECRET = _load_secret(CONFIG, TERMINAL)


def signature_headers(method: str, path: str, body: bytes, *, secret: bytes = SECRET, terminal: str = TERMINAL,
                      timestamp_millis: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four X-Holdfast-* headers for one request."""
    timestamp = str(timestamp_millis if timestamp_millis is not None else time.time_ns() // 1_000_000)
    nonce = nonce or secrets.token_hex(16)
    canonical = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    signature = hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return {
        "X-Holdfast-Terminal": terminal,
        "X-Holdfast-Timestamp": timestamp,
        "X-Holdfast-Nonce": nonce,
        "X-Holdfast-Signature": signature,
    }


def _body_bytes(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        # http.client would send a str body as Latin-1 (and fail on other characters); send
        # and sign UTF-8 bytes instead.
        return body.encode("utf-8")
    if hasattr(body, "read"):
        return body.read()
    return b"".join(part if isinstance(part, bytes) else str(part).encode("utf-8") for part in body)


class HoldfastSignature(requests.auth.AuthBase):
    """Signs a prepared request; `requests` calls this after preparing URL and body."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = _body_bytes(request)
        if request.body is not None and request.body is not body:
            request.body = body  # requests recomputes Content-Length after auth
        for name in list(request.headers):
            if name.lower().startswith("x-holdfast-"):
                del request.headers[name]
        request.headers.update(signature_headers(request.method or "GET", request.path_url, body))
        return request


SIGNER = HoldfastSignature()


@schemathesis.hook
def before_call(context, case, kwargs):
    # Passed through to requests.Session.request; overrides any generated security header values.
    kwargs["auth"] = SIGNER
