"""Whose address a request comes from: the socket's peer, unless a trusted proxy forwarded it.

X-Forwarded-For is written by whoever sends the request, so it is believed only when it
reaches us through the proxies named in TRUSTED_PROXIES; the API throttles and the login
lockout both count by this address.
"""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address):
    return address is not None and any(
        address in ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES
    )


def client_ip(request):
    """The client's IP address as text: the nearest hop that is not a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_trusted(_address(remote)):
        return remote
    client = remote
    # Each trusted proxy appended the address it heard from: walk from the nearest hop outwards
    # and stop at the first one that no trusted proxy wrote (or that is not an address at all).
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not _is_trusted(address):
            break
    return client
