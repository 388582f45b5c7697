"""Repeated failed log-ins lock the (username, address) pair, and a guessing address as a whole."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "correct-horse-42"  # UserFactory's


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 12
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client, username, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_from_that_address(client, lockout, caplog):
    user = UserFactory()
    caplog.set_level(logging.WARNING, logger="axes")
    statuses = [log_in(client, user.username, "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert 'id="login-locked"' in response.content.decode()

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    failures = [m for m in messages if "New login failure" in m or "Repeated login failure" in m]
    lockouts = [m for m in messages if "Locking out" in m]
    assert (len(failures), len(lockouts)) == (6, 2)
    # The address is logged for the operator; the username (perhaps a mistyped password) is not.
    assert all("203.0.113.7" in m and user.username not in m for m in failures + lockouts)


def age_failures(delta):
    """Moves every recorded failure `delta` into the past, as if that much time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def test_the_lock_lifts_after_the_cool_off(client, lockout):
    user = UserFactory()
    for _ in range(5):
        log_in(client, user.username, "wrong")
    age_failures(timedelta(minutes=14))
    assert log_in(client, user.username, PASSWORD).status_code == 429
    # The refused attempt counted too: the lock runs 15 minutes from it.
    age_failures(timedelta(minutes=15, seconds=1))
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_the_same_account_from_another_address_is_not_locked(client, lockout):
    user = UserFactory()
    for _ in range(5):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, PASSWORD, address="198.51.100.9").status_code == 302


def test_an_address_guessing_many_usernames_is_locked_as_a_whole(client, lockout):
    user = UserFactory()
    statuses = [log_in(client, f"guess{n}", "wrong").status_code for n in range(12)]
    assert statuses == [200] * 11 + [429]
    assert log_in(client, user.username, PASSWORD).status_code == 429
    assert log_in(client, user.username, PASSWORD, address="198.51.100.9").status_code == 302


def test_a_spoofed_forwarded_header_does_not_escape_the_lock(client, lockout):
    user = UserFactory()
    for n in range(5):
        client.post(
            LOGIN,
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert response.status_code == 429


def test_the_lockout_page_is_in_chinese(client, lockout):
    user = UserFactory()
    for _ in range(5):
        response = log_in(client, user.username, "wrong")
    assert "登录失败次数过多。为保护账号安全，您所在地址的登录已暂停，请 15 分钟后再试" in (
        response.content.decode()
    )


def test_a_sign_up_waiting_for_its_link_is_told_so_unless_the_address_is_locked(client, lockout):
    client.post(
        reverse("accounts:sign_up"),
        {
            "username": "zhangwei",
            "email": "zhangwei@example.cn",
            "password1": "Tide-pool-7391",
            "password2": "Tide-pool-7391",
            "accept_terms": "on",
        },
    )
    response = log_in(client, "zhangwei", "Tide-pool-7391")
    assert response.status_code == 200
    assert 'id="sign-up-resend-form"' in response.content.decode()
    for _ in range(5):
        log_in(client, "zhangwei", "wrong")
    response = log_in(client, "zhangwei", "Tide-pool-7391")
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="login-locked"' in page
    assert 'id="sign-up-resend-form"' not in page
