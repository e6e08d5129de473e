"""Schemathesis hooks: sign every request as a Holdfast terminal.

Load with ``SCHEMATHESIS_HOOKS=Tests/schemathesis/hooks.py schemathesis run docs/openapi.yaml ...``
(scripts/schemathesis does). Every request gets the four ``X-Holdfast-*`` headers computed as
Sources/TerminalProtocol/Signing/RequestSignature.swift does:

    canonical = METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" NONCE "\\n" hex(SHA-256(body))
    signature = hex(HMAC-SHA256(secret, canonical))

PATH is the request target as sent (path and query), TIMESTAMP Unix milliseconds, NONCE fresh.

It also steers half of the *positive* bet slips Schemathesis generates for ``POST /v1/bets`` onto
the demo board: random selection ids, stakes and prices are almost never a bet the appliance can
accept, so without this nearly every placement is a 4xx and the ticket operations (lookup,
validate, payout, void, reached through the OpenAPI links from a 201) only ever see 404s. A
steered slip keeps the generated bet type (when the four demo events can carry it), price
versions and odds-change policy; it gets real selections on distinct events at their demo-board
starting prices, a stake under the limits, and a fresh idempotency key (the generated one plus a
unique suffix). One steered slip in four claims a longer price than the board's and one in four
a stake over the limits, so odds-changed and limit-exceeded answers are checked too. Negative cases and the other positive ones are sent as generated.
``HOLDFAST_STEER_BETS=0`` turns this off.

The signature is made by a ``requests`` auth object, which ``requests`` runs after it has
prepared the URL and the body, so it covers exactly the bytes that go on the wire, whatever
Schemathesis generated (valid JSON, broken JSON, an empty body). A retry re-prepares the request
and so gets a fresh nonce and timestamp.

Environment:
    HOLDFAST_CONFIG    configuration to read the terminal from
                       (default: firmware-config/holdfast-demo.yaml in this repository)
    HOLDFAST_TERMINAL  terminal id to sign as (default: demo-staff, a staff terminal, so the
                       staff-only ticket operations are exercised too)
    HOLDFAST_STEER_BETS  0 to send every generated bet slip unchanged (default 1)
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import secrets
import time
from fractions import Fraction
from math import comb
from pathlib import Path

import requests
import schemathesis
import yaml
from schemathesis import GenerationMode

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
STEER_BETS = os.environ.get("HOLDFAST_STEER_BETS", "1") != "0"


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


# ------------------------------------------------------------------ steering bets onto the board

def _decimal_odds(text: str) -> Fraction:
    """A demo-board price ("11/8", "evens", "2.00", "+240", "-150") as exact decimal odds."""
    text = text.strip().lower()
    if text in ("evens", "evs", "even"):
        return Fraction(2)
    if "/" in text:
        top, bottom = text.split("/")
        return Fraction(int(top), int(bottom)) + 1
    if text[0] in "+-":
        value = int(text)
        return Fraction(value, 100) + 1 if value > 0 else Fraction(100, -value) + 1
    return Fraction(text)


def _demo_markets(config: Path) -> tuple[str, list[list[tuple[str, Fraction]]]]:
    """The appliance's currency and, per demo event, its selections and their starting prices."""
    try:
        with config.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        currency = str(document["appliance"]["currency"]).upper()
        board_file = (document.get("demo") or {}).get("board_file")
        if not board_file:
            return currency, []
        with (config.parent / board_file).open(encoding="utf-8") as handle:
            board = json.load(handle)
    except (OSError, ValueError, KeyError, TypeError):
        return "", []
    markets: dict[str, list[tuple[str, Fraction]]] = {}
    for market in board.get("markets", []):
        markets.setdefault(market["event"]["id"], []).extend(
            (selection["id"], _decimal_odds(selection["price"])) for selection in market["selections"])
    return currency, list(markets.values())


CURRENCY, DEMO_MARKETS = _demo_markets(CONFIG)
# Legs a bet type takes, as far as the demo board's events allow (one leg per event).
_LEGS = {"single": (1, 1), "accumulator": (2, 20), "doubles": (2, 12), "trebles": (3, 12), "trixie": (3, 3),
         "patent": (3, 3), "yankee": (4, 4), "lucky15": (4, 4)}
_LINES = {"trixie": 4, "patent": 7, "yankee": 11, "lucky15": 15}
_STEERED = itertools.count(1)
BET_SHAPE = {"idempotencyKey": str, "type": str, "legs": list, "stakePerLine": dict, "oddsChangePolicy": str}


def _is_well_formed_slip(body) -> bool:
    if not isinstance(body, dict) or set(body) != set(BET_SHAPE):
        return False
    if not all(isinstance(body[key], kind) for key, kind in BET_SHAPE.items()):
        return False
    return all(isinstance(leg, dict) and _whole(leg.get("priceVersion")) is not None for leg in body["legs"]) \
        and _whole(body["stakePerLine"].get("minorUnits")) is not None


def _whole(value) -> int | None:
    """A JSON number with no fraction (Schemathesis also writes integers as 57474.0), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return int(value) if value == int(value) else None


def steer_slip(body: dict) -> dict:
    """The generated slip made into one the demo appliance can take (see the module docstring)."""
    seed = int.from_bytes(hashlib.sha256(repr(body).encode()).digest()[:8], "big")
    kind = body["type"]
    low, high = _LEGS.get(kind, (len(DEMO_MARKETS) + 1, 0))
    if low > len(DEMO_MARKETS):  # canadian and up need more events than the demo board has
        kind, low, high = "single", 1, 1
    count = max(low, min(high, len(body["legs"]), len(DEMO_MARKETS)))
    # Most steered slips are bets the appliance takes; one in four asks for a longer price than
    # the board's (odds-changed unless the policy is acceptAny), one in four a stake over a limit.
    variant = (seed >> 60) % 4
    first = seed % len(DEMO_MARKETS)
    legs = []
    for index in range(count):
        selections = DEMO_MARKETS[(first + index) % len(DEMO_MARKETS)]
        selection_id, odds = selections[(seed >> (8 + 4 * index)) % len(selections)]
        if variant == 2:
            odds += 1
        generated = body["legs"][index] if index < len(body["legs"]) else body["legs"][-1] if body["legs"] else {}
        version = _whole(generated.get("priceVersion")) if isinstance(generated, dict) else None
        legs.append({"selectionId": selection_id,
                     "price": {"numerator": odds.numerator, "denominator": odds.denominator},
                     "priceVersion": max(0, version or 0)})
    lines = {"single": 1, "accumulator": 1, "doubles": comb(count, 2), "trebles": comb(count, 3)}.get(kind) \
        or _LINES.get(kind, 1)
    # At most 50.00 a bet: well inside the demo limits, and a hundred bets inside the staff
    # terminal's 5000.00 of open stake.
    per_line_cap = max(11, 5_000 // lines)
    stake = 10 + _whole(body["stakePerLine"]["minorUnits"]) % (per_line_cap - 10)
    if variant == 3:
        stake += 50_000
    # A fresh key: generated keys repeat a lot ("0", "00"), and a repeat is a replay or a
    # conflict, which the unsteered cases exercise already.
    key = f"{body['idempotencyKey'][:100]}~{os.getpid():x}.{next(_STEERED)}"
    return {"idempotencyKey": key, "type": kind, "legs": legs,
            "stakePerLine": {"minorUnits": stake, "currency": CURRENCY}, "oddsChangePolicy": body["oddsChangePolicy"]}


def _should_steer(case) -> bool:
    if not STEER_BETS or not DEMO_MARKETS or not CURRENCY:
        return False
    if case.method.upper() != "POST" or case.operation.path != "/v1/bets":
        return False
    meta = getattr(case, "meta", None)
    if meta is not None and meta.generation.mode != GenerationMode.POSITIVE:
        return False
    if not _is_well_formed_slip(case.body):
        return False
    # Half of them, chosen by content so a rerun with the same seed steers the same cases.
    return hashlib.sha256(repr(case.body).encode()).digest()[-1] % 2 == 0


# ------------------------------------------------------------------ hook

@schemathesis.hook
def before_call(context, case, kwargs):
    if _should_steer(case):
        case.body = steer_slip(case.body)
    # Passed through to requests.Session.request; overrides any generated security header values.
    kwargs["auth"] = SIGNER
