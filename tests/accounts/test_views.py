"""Accounts: the legal documents, logging in and out, resetting a forgotten password.

Signing up is in test_sign_up.py."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.legal import TERMS_VERSION
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")
PASSWORD_RESET = reverse("accounts:password_reset")
PASSWORD = "correct-horse-42"  # UserFactory's
NEW_PASSWORD = "Blue-lantern-2046"


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# --- legal documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language", "heading", "phrases"),
    [
        pytest.param(
            "/accounts/agreement/",
            "zh-hans",
            "TechBridge 科技供需对接平台用户协议",
            ["机构入驻与审核", "适用中华人民共和国法律"],
            id="agreement-zh",
        ),
        pytest.param(
            "/accounts/privacy/",
            "zh-hans",
            "TechBridge 科技供需对接平台隐私政策",
            ["我们收集哪些信息", "为什么收集", "保存多久", "查阅、复制、更正和删除"],
            id="privacy-zh",
        ),
        pytest.param(
            "/accounts/agreement/",
            "en",
            "TechBridge user agreement",
            ["Organizations and review"],
            id="agreement-en",
        ),
        pytest.param(
            "/accounts/privacy/",
            "en",
            "TechBridge privacy policy",
            ["What we collect", "How long", "access, copy, correct and delete"],
            id="privacy-en",
        ),
    ],
)
def test_legal_documents(client, settings, path, language, heading, phrases):
    settings.PRIVACY_CONTACT_EMAIL = "pi@techbridge.example.cn"
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<h1 class="h3 mb-1">{heading}</h1>' in page
    assert f'data-version="{TERMS_VERSION}"' in page
    assert 'href="mailto:pi@techbridge.example.cn"' in page
    for phrase in phrases:
        assert phrase in page


# --- login and logout -------------------------------------------------------------------------


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("repositories:workspace")
    assert str(logged_in_user_id(client)) == str(user.pk)

    assert client.get(LOGOUT).status_code == 405  # logging out is a POST
    assert str(logged_in_user_id(client)) == str(user.pk)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == reverse("repositories:home")
    assert logged_in_user_id(client) is None


def test_login_follows_a_local_next_only(client):
    user = UserFactory()
    register = reverse("organizations:register")
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "next": register}
    )
    assert response.url == register
    client.logout()
    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.url == reverse("repositories:workspace")


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_login_with_a_wrong_password(client, password):
    user = UserFactory()
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_inactive_user_cannot_log_in(client):
    user = UserFactory(is_active=False)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


# --- password reset ---------------------------------------------------------------------------


def _reset_link(mail):
    match = re.search(r"https?://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_password_reset_by_mail(client, mailoutbox):
    user = UserFactory(email="li.na@example.cn")
    response = client.post(PASSWORD_RESET, {"email": "Li.Na@example.cn"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["li.na@example.cn"]
    assert user.display_name in mail.body

    link = _reset_link(mail)
    response = client.get(link)
    assert response.status_code == 302  # to the same URL with the token hidden in the session
    set_password_url = response.url
    assert set_password_url.endswith("/set-password/")
    response = client.get(set_password_url)
    assert response.status_code == 200
    assert response.context["validlink"] is True

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    assert client.login(username=user.username, password=PASSWORD) is False
    response = client.post(LOGIN, {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert str(logged_in_user_id(client)) == str(user.pk)

    # The link works once.
    client.logout()
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False


def test_password_reset_with_weak_password_keeps_the_old_one(client, mailoutbox):
    user = UserFactory()
    client.post(PASSWORD_RESET, {"email": user.email})
    set_password_url = client.get(_reset_link(mailoutbox[0])).url
    response = client.post(set_password_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client, mailoutbox):
    response = client.post(PASSWORD_RESET, {"email": "nobody@example.cn"})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mailoutbox == []


def test_tampered_reset_link_is_invalid(client, mailoutbox):
    user = UserFactory()
    client.post(PASSWORD_RESET, {"email": user.email})
    link = _reset_link(mailoutbox[0])
    tampered = link.rstrip("/")[:-2] + "zz/"
    response = client.get(tampered, follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_admin_shows_the_consent_read_only(admin_client):
    user = UserFactory(terms_version=TERMS_VERSION, terms_accepted_at=timezone.now())
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "同意的协议版本" in page
    assert f'<div class="readonly">{TERMS_VERSION}</div>' in page
    assert 'name="terms_version"' not in page
