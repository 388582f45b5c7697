import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.web import redirect_next

pytestmark = pytest.mark.django_db


def test_chinese_whatever_the_browser_asks(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "用户名" in response.content.decode()


def test_english_once_chosen_with_the_language_button(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("accounts:login"))
    assert response["Content-Language"] == "en"
    assert "Username" in response.content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies["django_language"] = "xx"
    assert client.get(reverse("accounts:login"))["Content-Language"] == "zh-hans"


def test_next_redirects_stay_on_this_site(client):
    request = RequestFactory().post("/", {"next": "https://evil.example/"})
    assert redirect_next(request, "/safe/")["Location"] == "/safe/"
    request = RequestFactory().post("/", {"next": "/needs/"})
    assert redirect_next(request, "/safe/")["Location"] == "/needs/"
