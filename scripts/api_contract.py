"""The API keeps its own contract: schemathesis against a live server, on every operation.

    .venv/bin/python scripts/api_contract.py [--max-examples N] [--max-time S] [--seed N]

A scratch SQLite database (migrated, then seeded: a verified enterprise with an administrator
and an API token with every scope, a CAST office with staff, published listings and a match)
behind gunicorn (as in production) on a free port of 127.0.0.1, with DEBUG off and webhook delivery
off, so that no URL schemathesis makes up is ever contacted. Then three runs of schemathesis on
every operation of the committed api/openapi.yaml: anonymous, with the token, and with a signed-in
session (and its CSRF token). Any server error or response that breaks the schema fails the run
(exit status 1). Each run is bounded by --max-time (75 s): about 4 minutes in all. The server
and the scratch files are removed at the end.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)

SEED = """
import json
from django.middleware.csrf import _get_new_csrf_string
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from organizations.models import Membership, Organization
from matching.models import Match, SupplyKind
from tests.factories import (
    HANGZHOU, AchievementFactory, NeedFactory, OrganizationFactory, ProjectFactory,
    TalentFactory, api_token_for, cast_staff, member_of,
)

enterprise = OrganizationFactory(name="契约测试企业")
admin = member_of(enterprise)
member_of(enterprise, role=Membership.Role.MEMBER)
_, key = api_token_for(enterprise, user=admin)
staff = cast_staff(HANGZHOU)
need = NeedFactory(organization=enterprise, created_by=admin)
achievement = AchievementFactory()
ProjectFactory()
TalentFactory()
NeedFactory(organization=enterprise, created_by=admin, status="draft", published_at=None)
Match.objects.create(
    need=need, supply_kind=SupplyKind.ACHIEVEMENT, supply_listing=achievement,
    supply_key=f"achievement:{achievement.pk}", region=need.region, score=0.8,
    model="contract", status=Match.Status.PROPOSED,
)

session = SessionStore()
session[SESSION_KEY] = str(admin.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
session.create()
print(json.dumps({"token": key, "session": session.session_key, "csrf": _get_new_csrf_string()}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("The server stopped before it answered.")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"The server did not answer {url} within {seconds} s.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=25, help="test cases per operation")
    parser.add_argument(
        "--max-time", type=int, default=75, help="seconds for each of the three runs"
    )
    parser.add_argument("--seed", type=int, default=None, help="schemathesis's random seed")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="techbridge-contract-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
        "MEDIA_ROOT": str(scratch / "media"),
        "SEARCH_INDEX_DIR": str(scratch / "search"),
        "EMBEDDED_PERIODIC_TASKS": "false",
        "EMBEDDED_PERIODIC_STATE_FILE": str(scratch / "periodic.json"),
        "REDIS_URL": "",
        "DEBUG": "false",
        "SECRET_KEY": "api-contract-" + os.urandom(16).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_DELIVERY": "false",
        # Thousands of requests in a few minutes, from one address and one user.
        "API_THROTTLE_ANON": "100000/minute",
        "API_THROTTLE_USER": "100000/minute",
    }
    python = str(BIN / "python")
    server = None
    try:
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        seeded = subprocess.run(
            [python, "manage.py", "shell", "-c", SEED],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        credentials = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "60",
                # gunicorn answers an over-long request line or header itself (414/400, an HTML
                # page) before the API sees it: no limit here, so that every request reaches it.
                "--limit-request-line",
                "0",
                "--limit-request-field_size",
                "0",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(scratch / "server.log", "w"),  # noqa: SIM115
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/v1/taxonomy/regions/?page_size=1", server)

        runs = {
            "anonymous": [],
            "token": ["-H", f"Authorization: Token {credentials['token']}"],
            "session": [
                "-H",
                f"Cookie: sessionid={credentials['session']}; csrftoken={credentials['csrf']}",
                "-H",
                f"X-CSRFToken: {credentials['csrf']}",
            ],
        }
        failed = []
        for name, headers in runs.items():
            print(f"\n=== schemathesis, {name} ===", flush=True)
            command = [
                str(BIN / "schemathesis"),
                "run",
                str(ROOT / "api" / "openapi.yaml"),
                "--url",
                base,
                "--checks",
                CHECKS,
                "--max-examples",
                str(options.max_examples),
                "--max-time",
                str(options.max_time),
                "--phases",
                "examples,coverage,fuzzing",
                # One worker: hypothesis's source inspection is not thread-safe on Python 3.11.
                "--workers",
                "1",
                # The first keyword search of a worker loads the embedding model.
                "--request-timeout",
                "30",
                "--suppress-health-check",
                "all",
                *(["--seed", str(options.seed)] if options.seed is not None else []),
                *headers,
            ]
            if subprocess.run(command, cwd=scratch, env=env).returncode:
                failed.append(name)
        if failed:
            print(f"\nThe API broke its contract ({', '.join(failed)}); server log:", flush=True)
            print((scratch / "server.log").read_text(errors="replace")[-20000:])
            return 1
        print("\nThe API kept its contract: anonymous, with a token, with a session.")
        return 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
