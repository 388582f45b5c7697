"""The API of contact, checked against api/openapi.yaml: the web's object permissions."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from conversations.models import ContactRequest, Conversation
from organizations.models import ApiToken
from tests.api.openapi import validate_api_responses  # noqa: F401  (a fixture)
from tests.conversations.test_messages import PDF, pdf, send
from tests.factories import NeedFactory, api_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _schema(validate_api_responses):  # noqa: F811
    cache.clear()


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_parties_and_staff_see_it_others_get_404(client, world, conversation, stranger_token):
    message = send(world.owner, conversation, files=[pdf()])
    attachment = message.attachments.get()
    base = f"/api/v1/conversations/{conversation.pk}/"
    client.force_login(world.scientist)
    listed = client.get("/api/v1/conversations/").json()
    assert [row["id"] for row in listed["results"]] == [conversation.pk]
    row = listed["results"][0]
    assert row["unread"] == 1
    assert row["counterpart_contact"]["phone"] == "0574-65551234"
    messages = client.get(base + "messages/").json()["results"]
    assert messages[0]["attachments"][0]["url"] == f"{base}attachments/{attachment.pk}/"
    client.force_login(world.staff)
    seen = client.get(base).json()
    assert seen["counterpart_contact"] is None
    refused = client.post(base + "messages/", {"body": "监督"}, content_type="application/json")
    assert refused.status_code == 403
    for credentials in (
        {"user": world.stranger},
        {"user": world.far_staff},
        {"key": stranger_token},
        {},
    ):
        client.logout()
        headers = {}
        if "user" in credentials:
            client.force_login(credentials["user"])
        if "key" in credentials:
            headers = auth(credentials["key"])
        expected = 401 if not credentials else 404
        assert client.get(base, **headers).status_code == expected
        assert client.get(base + "messages/", **headers).status_code == expected
        assert client.get(f"{base}attachments/{attachment.pk}/", **headers).status_code == expected
        if credentials:
            assert client.get("/api/v1/conversations/", **headers).json()["count"] == 0


@pytest.mark.openapi_exempt(reason="a streamed file: the validator reads response.content")
def test_a_party_token_downloads_an_attachment(client, world, conversation):
    attachment = send(world.owner, conversation, files=[pdf()]).attachments.get()
    _token, key = api_token_for(world.university, user=world.scientist)
    response = client.get(
        f"/api/v1/conversations/{conversation.pk}/attachments/{attachment.pk}/", **auth(key)
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"


def test_a_token_writes_with_the_write_scope_and_bad_input_is_400(client, world, conversation):
    _token, read_only = api_token_for(world.university, user=world.scientist, scopes=[])
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    assert client.post(url, {"body": "你好"}, **auth(read_only)).status_code == 403
    _token, key = api_token_for(world.university, user=world.scientist, name="ERP")
    empty = client.post(url, {"body": " "}, **auth(key))
    assert empty.status_code == 400 and "body" in empty.json()["fields"]
    html = SimpleUploadedFile("a.pdf", b"<html></html>", content_type="application/pdf")
    disguised = client.post(url, {"body": "附件", "files": [html]}, **auth(key))
    assert disguised.status_code == 400 and "files" in disguised.json()["fields"]
    sent = client.post(url, {"body": "你好", "files": [pdf()]}, **auth(key))
    assert sent.status_code == 201
    assert sent.json()["sender"]["organization"]["id"] == world.university.pk
    assert sent.json()["attachments"][0]["name"] == "报价单.pdf"
    # Marking read is for a person, not a program.
    assert (
        client.post(
            f"/api/v1/conversations/{conversation.pk}/mark-read/", {}, **auth(key)
        ).status_code
        == 403
    )


def test_mark_read_and_the_rate_limit(client, world, conversation, settings):
    settings.CONVERSATION_MESSAGES_PER_USER_PER_MINUTE = 1
    send(world.owner, conversation, "第一条")
    client.force_login(world.scientist)
    url = f"/api/v1/conversations/{conversation.pk}/"
    assert client.get(url).json()["unread"] == 1
    marked = client.post(url + "mark-read/", {}, content_type="application/json")
    assert marked.status_code == 200 and marked.json()["unread"] == 0
    assert (
        client.post(url + "messages/", {"body": "一"}, content_type="application/json").status_code
        == 201
    )
    limited = client.post(url + "messages/", {"body": "二"}, content_type="application/json")
    assert limited.status_code == 429 and "一分钟内" in limited.json()["message"]


def test_blocked_is_a_conflict(client, world, conversation):
    client.force_login(world.scientist)
    client.post(f"/conversations/{conversation.pk}/block/")
    client.force_login(world.owner)
    response = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"body": "您好"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_contact_requests_through_the_api(client, world, settings):
    settings.CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY = 2
    _token, key = api_token_for(world.enterprise, user=world.owner)
    url = "/api/v1/contact-requests/"
    own = client.post(
        url,
        {"listing": world.need.pk, "message": "您好"},
        content_type="application/json",
        **auth(key),
    )
    assert own.status_code == 400 and "listing" in own.json()["fields"]
    draft = NeedFactory(organization=world.university, status="draft")
    unpublished = client.post(
        url, {"listing": draft.pk, "message": "您好"}, content_type="application/json", **auth(key)
    )
    assert unpublished.status_code == 400 and "listing" in unpublished.json()["fields"]
    created = client.post(
        url,
        {"listing": world.achievement.pk, "message": "希望对接"},
        content_type="application/json",
        **auth(key),
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["owner"]["id"], body["conversation"]) == (
        "pending",
        world.university.pk,
        None,
    )
    again = client.post(
        url,
        {"listing": world.achievement.pk, "message": "再次"},
        content_type="application/json",
        **auth(key),
    )
    assert again.status_code == 409
    other = NeedFactory(organization=world.university)
    assert (
        client.post(
            url,
            {"listing": other.pk, "message": "二"},
            content_type="application/json",
            **auth(key),
        ).status_code
        == 201
    )
    third = NeedFactory(organization=world.university)
    limited = client.post(
        url, {"listing": third.pk, "message": "三"}, content_type="application/json", **auth(key)
    )
    assert limited.status_code == 429

    request_id = body["id"]
    # The requester cannot accept its own request; a stranger does not see it.
    assert client.post(f"{url}{request_id}/accept/", **auth(key)).status_code == 403
    _t, stranger_key = api_token_for(world.stranger_org, user=world.stranger)
    assert client.post(f"{url}{request_id}/accept/", **auth(stranger_key)).status_code == 404
    client.force_login(world.scientist)
    bad = client.post(
        f"{url}{request_id}/decline/", {"reason": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]
    accepted = client.post(f"{url}{request_id}/accept/")
    assert accepted.status_code == 200
    conversation = Conversation.objects.get(pk=accepted.json()["conversation"])
    assert set(conversation.party_ids) == {world.enterprise.pk, world.university.pk}
    assert client.post(f"{url}{request_id}/accept/").status_code == 409
    second = ContactRequest.objects.get(listing=other)
    declined = client.post(
        f"{url}{second.pk}/decline/",
        {"reason": "price", "note": "预算不符"},
        content_type="application/json",
    )
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "price"
    received = client.get(url, {"box": "received"}).json()
    assert received["count"] == 2
    assert client.get(url, {"box": "sent"}).json()["count"] == 0
    assert ApiToken.objects.count() == 2
