"""Sending one webhook request, safely, with the standard library only.

http.client rather than urllib.request, because:
- the destination host is resolved once, every address is checked against the private-network
  rule, and the connection goes to one of those checked addresses (a DNS answer that changes
  between the check and the connection cannot point the request inside the network);
- redirects are not followed (a 3xx is a failed attempt), so a redirect cannot lead there either;
- no proxy from the environment is used.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

USER_AGENT = "TechBridge-Webhooks/1.0"
RESPONSE_SNIPPET_BYTES = 2048


class DestinationRefused(Exception):
    """The URL may not receive webhooks (scheme, credentials, private address, unresolvable)."""

    def __init__(self, message, code):
        super().__init__(str(message))
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    target: str  # path and query string
    addresses: tuple  # ((family, sockaddr), …) to connect to, in order


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


def delivery_enabled():
    return getattr(settings, "WEBHOOK_DELIVERY", True)


def private_hosts_allowed():
    return getattr(settings, "WEBHOOK_ALLOW_PRIVATE_HOSTS", False)


def is_public_address(address):
    """False for loopback, private, link-local, shared, reserved, multicast, unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parse_url(url):
    """(scheme, host, port, target) of an http(s) URL without credentials, or DestinationRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise DestinationRefused(_("Enter a valid URL."), "invalid") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DestinationRefused(
            _("Only http:// and https:// URLs can receive webhooks."), "scheme"
        )
    if not parts.hostname:
        raise DestinationRefused(_("Enter a valid URL."), "invalid")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefused(
            _("Leave the user name and password out of the URL; check the signature instead."),
            "credentials",
        )
    port = port or (443 if scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname, port, target


def resolve(url, *, allow_private=None):
    """The checked destination of a URL; DestinationRefused if it may not receive webhooks."""
    allow_private = private_hosts_allowed() if allow_private is None else allow_private
    scheme, host, port, target = parse_url(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DestinationRefused(
            _("The host name cannot be resolved: check the URL."), "unresolvable"
        ) from error
    addresses = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if not allow_private and not is_public_address(sockaddr[0]):
            raise DestinationRefused(
                _(
                    "This URL points to a loopback, private or link-local address; "
                    "webhooks go only to public hosts."
                ),
                "private_host",
            )
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise DestinationRefused(
            _("The host name cannot be resolved: check the URL."), "unresolvable"
        )
    return Destination(scheme, host, port, target, tuple(addresses))


def _open_socket(addresses, timeout):
    last_error = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last_error = error
        else:
            return sock
    raise last_error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self.pinned_addresses = addresses

    def connect(self):
        self.sock = _open_socket(self.pinned_addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, addresses, timeout):
        self.pinned_context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.pinned_context)
        self.pinned_addresses = addresses

    def connect(self):
        sock = _open_socket(self.pinned_addresses, self.timeout)
        self.sock = self.pinned_context.wrap_socket(sock, server_hostname=self.host)


def post(url, *, body, headers, timeout):
    """POST the body; the Response, or an exception: DestinationRefused, OSError, HTTPException."""
    destination = resolve(url)
    connection_class = (
        _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    )
    connection = connection_class(
        destination.host, destination.port, addresses=destination.addresses, timeout=timeout
    )
    try:
        connection.request(
            "POST", destination.target, body=body, headers={"User-Agent": USER_AGENT, **headers}
        )
        response = connection.getresponse()
        return Response(status=response.status, body=response.read(RESPONSE_SNIPPET_BYTES))
    finally:
        connection.close()
