"""Titles and names are one line of visible text; long free text has a limit."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.validators import LONG_TEXT_MAX_LENGTH, PlainLineValidator
from repositories.models import ListingStatus
from tests.api.test_listings_api import valid_need
from tests.factories import (
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    api_token_for,
    member_of,
)

pytestmark = pytest.mark.django_db

HIDDEN = [
    "line\nbreak",
    "tab\there",
    "nul\x00",
    "escape\x1b[31m",
    "zero\u200bwidth",
    "joiner\u200d",
    "word\u2060joiner",
    "bom\ufeff",
    "override\u202eevil",
    "embedding\u202a",
    "isolate\u2066x\u2069",
]
EN_MESSAGE = (
    "{label} cannot contain line breaks, control characters, invisible characters or "
    "text-direction marks."
)


@pytest.mark.parametrize("value", HIDDEN)
def test_hidden_characters_are_refused_naming_the_field(value):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as raised:
        PlainLineValidator(gettext_lazy("title"))(value)

    assert raised.value.code == "invalid_characters"
    assert raised.value.messages == ["标题不能包含换行、控制字符、不可见字符或文字方向控制字符。"]


@pytest.mark.parametrize(
    "value", ["锂电池 正极材料回收（二期）", "AI+制造 🚀", "C++/Python 工程师"]
)
def test_visible_text_passes(value):
    PlainLineValidator("title")(value)


def test_a_listing_through_the_api_refuses_a_hidden_title_and_overlong_text(client):
    organization = OrganizationFactory()
    key = api_token_for(organization)[1]
    data = valid_need(title="回收\u202e率提升", problem="很" * (LONG_TEXT_MAX_LENGTH + 1))

    response = client.post(
        "/api/v1/needs/",
        data,
        content_type="application/json",
        headers={"authorization": f"Token {key}", "accept-language": "en"},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "title": [EN_MESSAGE.format(label="Title")],
        "problem": [
            f"Technical problem cannot be longer than {LONG_TEXT_MAX_LENGTH} characters "
            f"(now {LONG_TEXT_MAX_LENGTH + 1})."
        ],
    }


def test_a_subscription_name_through_the_api_is_one_line(client):
    client.force_login(UserFactory())

    response = client.post(
        "/api/v1/subscriptions/",
        {"name": "氢能\n抄送", "keywords": "氢能", "frequency": "daily"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"name": [EN_MESSAGE.format(label="Name")]}


def test_a_webhook_description_through_the_api_is_visible_text(client):
    organization = OrganizationFactory()
    key = api_token_for(organization)[1]

    response = client.post(
        "/api/v1/webhooks/",
        {"url": "https://erp.example.cn/hook", "events": ["ping"], "description": "ERP\u200b"},
        content_type="application/json",
        headers={"authorization": f"Token {key}", "accept-language": "en"},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"description": [EN_MESSAGE.format(label="Description")]}


def test_a_token_name_on_the_web_is_visible_text(client):
    organization = OrganizationFactory()
    client.force_login(member_of(organization))

    response = client.post(
        f"/organizations/{organization.pk}/tokens/new/",
        {"name": "ERP\u2066对接", "scopes": ["write"], "valid_days": "90"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["令牌名称不能包含换行、控制字符、不可见字符或文字方向控制字符。"]
    }
    assert not organization.api_tokens.exists()


def test_a_subscription_name_on_the_web_is_one_line(client):
    client.force_login(UserFactory())

    response = client.post(
        "/subscriptions/", {"name": "氢能\n抄送", "keywords": "氢能", "frequency": "daily"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        "名称不能包含换行、控制字符、不可见字符或文字方向控制字符。"
    ]


def test_a_display_name_at_sign_up_is_visible_text():
    from accounts.forms import SignUpForm

    form = SignUpForm(
        data={
            "username": "wanggong",
            "display_name": "王工\u202e",
            "email": "wang@example.cn",
            "password1": "correct-horse-42",
            "password2": "correct-horse-42",
        }
    )

    assert not form.is_valid()
    assert form.errors["display_name"] == [
        "显示名称不能包含换行、控制字符、不可见字符或文字方向控制字符。"
    ]


def test_a_listing_form_refuses_a_hidden_title_and_overlong_text_and_keeps_the_rest(client):
    draft = NeedFactory(status=ListingStatus.DRAFT, published_at=None, title="印染废水脱色")
    client.force_login(draft.created_by)
    data = {
        "organization": draft.organization_id,
        "title": "印染废水\u202e脱色",
        "summary": draft.summary,
        "problem": "很" * (LONG_TEXT_MAX_LENGTH + 1),
        "region": draft.region_id,
    }

    response = client.post(
        reverse("repositories:edit", kwargs={"kind": "need", "pk": draft.pk}), data
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["标题不能包含换行、控制字符、不可见字符或文字方向控制字符。"]
    assert sorted(errors) == ["problem", "title"]
    draft.refresh_from_db()
    assert draft.title == "印染废水脱色"
