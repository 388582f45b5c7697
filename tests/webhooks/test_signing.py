"""webhooks.signing: what receivers use to check X-TechBridge-Signature."""

import hashlib
import hmac
import time

from webhooks.signing import sign, verify

SECRET = "whsec_test-secret"
BODY = '{"id":"1","event":"match.pushed","data":{"title":"锂电池回收"}}'.encode()


def test_sign_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1767225600, BODY) == f"sha256={expected}"
    # The header arrives as text: the same signature either way.
    assert sign(SECRET, "1767225600", BODY.decode()) == f"sha256={expected}"


def test_a_fresh_signature_verifies():
    now = int(time.time())
    assert verify(SECRET, now, BODY, sign(SECRET, now, BODY))
    assert verify(SECRET, str(now), BODY, sign(SECRET, now, BODY))


def test_a_tampered_body_fails():
    now = int(time.time())
    signature = sign(SECRET, now, BODY)
    assert not verify(SECRET, now, BODY.replace(b"match.pushed", b"match.answered"), signature)
    assert not verify(SECRET, now, BODY + b" ", signature)


def test_a_wrong_secret_fails():
    now = int(time.time())
    assert not verify("whsec_another", now, BODY, sign(SECRET, now, BODY))


def test_a_changed_timestamp_fails():
    now = int(time.time())
    assert not verify(SECRET, now - 1, BODY, sign(SECRET, now, BODY))


def test_a_stale_or_future_timestamp_fails_even_with_a_good_signature():
    now = 1_767_225_600
    old = now - 301
    assert not verify(SECRET, old, BODY, sign(SECRET, old, BODY), now=now)
    assert verify(SECRET, now - 299, BODY, sign(SECRET, now - 299, BODY), now=now)
    future = now + 301
    assert not verify(SECRET, future, BODY, sign(SECRET, future, BODY), now=now)
    # A receiver may choose its own tolerance.
    assert verify(SECRET, old, BODY, sign(SECRET, old, BODY), tolerance=600, now=now)


def test_malformed_headers_fail_without_raising():
    now = int(time.time())
    good = sign(SECRET, now, BODY)
    assert not verify(SECRET, "not-a-number", BODY, good)
    assert not verify(SECRET, None, BODY, good)
    assert not verify(SECRET, now, BODY, None)
    assert not verify(SECRET, now, BODY, good.removeprefix("sha256="))
    assert not verify(SECRET, now, BODY, "sha1=" + good.removeprefix("sha256="))
