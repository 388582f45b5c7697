"""Signing webhook requests, and checking a signature on the receiving side.

Every delivery is a POST whose headers include

    X-TechBridge-Event: match.pushed
    X-TechBridge-Delivery: 0b6f…  (a UUID; the same on every retry, so receivers can dedupe)
    X-TechBridge-Timestamp: 1767225600  (unix seconds, when this attempt was signed)
    X-TechBridge-Signature: sha256=<hex>

where <hex> is the HMAC-SHA256, keyed with the endpoint's secret, of the bytes

    f"{timestamp}.".encode() + raw_request_body

To verify a request, a receiver:

1. reads the raw body bytes exactly as received (before any JSON parsing);
2. recomputes the HMAC with its secret over "<X-TechBridge-Timestamp>." + body and compares it with
   X-TechBridge-Signature in constant time (``hmac.compare_digest``);
3. rejects the request if the timestamp is more than a few minutes (300 s here) away from its own
   clock, which stops an old request from being replayed;
4. ignores a X-TechBridge-Delivery it has already processed.

In Python, with this module copied or imported::

    from webhooks.signing import verify

    ok = verify(
        secret,
        request.headers["X-TechBridge-Timestamp"],
        request.body,
        request.headers["X-TechBridge-Signature"],
    )
"""

import hashlib
import hmac
import time

SCHEME = "sha256"
DEFAULT_TOLERANCE_SECONDS = 300


def _as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def sign(secret, timestamp, body):
    """The X-TechBridge-Signature value ("sha256=<hex>") for a timestamp and a raw body."""
    message = f"{int(timestamp)}.".encode() + _as_bytes(body)
    digest = hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()
    return f"{SCHEME}={digest}"


def verify(secret, timestamp, body, signature, tolerance=DEFAULT_TOLERANCE_SECONDS, *, now=None):
    """True if the signature matches the secret, timestamp and body, and the timestamp is fresh.

    ``timestamp`` is the X-TechBridge-Timestamp header (str or int), ``body`` the raw body
    (bytes or str), ``signature`` the X-TechBridge-Signature header and ``tolerance`` the most
    seconds the timestamp may differ from ``now`` (default: the current time).
    """
    try:
        timestamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if not isinstance(signature, str) or not signature.startswith(f"{SCHEME}="):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
