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


@pytest.mark.parametrize(
    ("accept_language", "language", "message"),
    [
        ("en", "en", "Enter a valid date/time."),
        ("en-GB,en;q=0.9,zh;q=0.5", "en", "Enter a valid date/time."),
        (None, "zh-hans", "输入一个有效的日期/时间。"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "输入一个有效的日期/时间。"),
        ("fr-FR", "zh-hans", "输入一个有效的日期/时间。"),
    ],
)
def test_the_api_speaks_the_language_the_program_asks_for(
    client, accept_language, language, message
):
    headers = {"accept-language": accept_language} if accept_language else {}
    response = client.get("/api/v1/needs/?published_after=yesterday", headers=headers)
    assert response.status_code == 400
    assert response.json()["fields"] == {"published_after": [message]}
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


def test_the_api_answers_in_english_to_a_program_not_signed_in(client):
    response = client.post("/api/v1/needs/", {}, headers={"accept-language": "en"})
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication credentials were not provided."
    response = client.post("/api/v1/needs/", {})
    assert response.json()["message"] == "身份认证信息未提供。"
