"""A real HTTP receiver on 127.0.0.1 (http.server in a thread) and organizations to own it."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from organizations.models import Membership, Organization
from organizations.selectors import actor_for
from tests.factories import OrganizationFactory, member_of
from webhooks.services import webhook_endpoint_create


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """What the test server answers (statuses in turn, the last one repeated) and what it got."""

    url: str = ""
    statuses: list = field(default_factory=lambda: [200])
    requests: list = field(default_factory=list)

    def answer(self, *statuses):
        self.statuses = list(statuses)

    def next_status(self):
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            payload = b"ok" if status < 300 else b"receiver is broken"
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/techbridge?source=tb"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _empty_cache():
    """API throttling counts requests in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def society():
    return OrganizationFactory(name="中国材料学会", kind=Organization.Kind.SOCIETY)


@pytest.fixture
def admin(society):
    return member_of(society)


@pytest.fixture
def plain_member(society):
    return member_of(society, role=Membership.Role.MEMBER)


@pytest.fixture
def other_admin():
    return member_of(OrganizationFactory(name="第三方评估机构", kind=Organization.Kind.AGENCY))


@pytest.fixture
def make_endpoint(society, admin):
    """make_endpoint(url, events=…, organization=…, by=…) → a new endpoint (through the service)."""

    def make(url, events=("match.pushed", "match.answered"), organization=None, by=None):
        return webhook_endpoint_create(
            organization=organization or society,
            actor=actor_for(user=by or admin),
            url=url,
            events=list(events),
        )

    return make
