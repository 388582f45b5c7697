"""Outgoing webhooks (the webhooks app): timeouts, retries, and which hosts may receive them."""

from config.env import env

# Seconds to connect and to wait for each read from the receiver.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=5)
# Attempts per delivery, the first included; the waits between them double from the base:
# 30 s, 60 s, 120 s, 240 s, 480 s with the defaults.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
# An endpoint is disabled after this many deliveries in a row failed (0: never).
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=10)
# Off: deliveries are recorded but never sent, and endpoint URLs are checked without looking
# their host up (the API contract run: no generated URL is ever contacted).
WEBHOOK_DELIVERY = env.bool("WEBHOOK_DELIVERY", default=True)
# Off: URLs whose host resolves to a loopback, private or link-local address are refused.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
