"""Messages: who reads and writes, attachments checked by content, read marks and unread
counts, who is told, and bounded queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conversations import services
from conversations.models import Conversation, Message, MessageAttachment
from conversations.selectors import conversation_unread_count
from notifications.models import Notification
from organizations.selectors import actor_for
from outbox.models import OutboxMessage
from tests.factories import NeedFactory, OrganizationFactory, member_of
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="报价单.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def send(user, conversation, body="您好", files=()):
    return services.message_send(
        actor=actor_for(user=user), conversation=conversation, body=body, files=files
    )


def test_parties_read_and_write_the_staff_read_others_get_404(client, world, conversation):
    message = send(world.owner, conversation, files=[pdf()])
    attachment = message.attachments.get()
    url = conversation.get_absolute_url()
    download = reverse("conversations:attachment_download", args=[attachment.pk])
    for user in (world.owner, world.colleague, world.scientist):
        client.force_login(user)
        assert client.get(url).status_code == 200
        assert client.get(download).status_code == 200
        assert client.post(url, {"body": f"来自{user.username}"}).status_code == 302
    # The overseeing staff read, with a note, but do not write.
    client.force_login(world.staff)
    page = client.get(url)
    assert page.status_code == 200 and 'id="oversight-note"' in page.content.decode()
    assert 'id="message-form"' not in page.content.decode()
    assert client.get(download).status_code == 200
    assert client.post(url, {"body": "监督"}).status_code == 403
    # A third organization, another region's staff, an anonymous visitor: nothing there.
    for user in (world.stranger, world.far_staff, None):
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(download).status_code == 404
        assert client.post(url, {"body": "打扰了"}).status_code == 404
    assert set(conversation.messages.values_list("body", flat=True)) == {
        "您好",
        "来自nh_owner",
        "来自nh_colleague",
        "来自dr_zhao",
    }


def test_attachments_are_checked_by_content_and_served_privately(
    client, world, conversation, settings
):
    settings.CONVERSATION_ATTACHMENT_MAX_MB = 1
    client.force_login(world.owner)
    url = conversation.get_absolute_url()
    html = pdf("合同.pdf", b"<html><script>alert(1)</script></html>")
    disguised = client.post(url, {"body": "见附件", "files": [html]})
    assert disguised.status_code == 400
    text = disguised.content.decode()
    assert "不是真正的" in text and "见附件" in text  # the error, and the form kept what was typed
    big = pdf("大文件.pdf", PDF + b"0" * (1024 * 1024))
    oversized = client.post(url, {"body": "大文件", "files": [big]})
    assert oversized.status_code == 400 and "超过 1 MB" in oversized.content.decode()
    empty = client.post(url, {"body": "   "})
    assert empty.status_code == 400 and "请输入内容或附加文件" in empty.content.decode()
    assert not Message.objects.filter(conversation=conversation).exists()
    assert client.post(url, {"body": "", "files": [pdf()]}).status_code == 302
    attachment = MessageAttachment.objects.get()
    assert attachment.name == "报价单.pdf" and attachment.size == len(PDF)
    assert "报价单" not in attachment.file.name  # stored under a random name
    client.force_login(world.scientist)
    response = client.get(reverse("conversations:attachment_download", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]


def test_read_marks_and_unread_counts(client, world, conversation):
    send(world.owner, conversation, "第一条")
    send(world.owner, conversation, "第二条")
    scientist = actor_for(user=world.scientist)
    assert conversation_unread_count(actor=scientist) == 2
    # The sender's side has nothing unread: its own messages, its colleague's too.
    assert conversation_unread_count(actor=actor_for(user=world.owner)) == 0
    assert conversation_unread_count(actor=actor_for(user=world.colleague)) == 0
    client.force_login(world.scientist)
    assert 'id="nav-unread-messages"' in client.get(reverse("conversations:list")).content.decode()
    badge = reverse("conversations:unread_badge")
    assert 'id="nav-unread-count">2<' in client.get(badge).content.decode()
    assert "conversation-unread" in client.get(reverse("conversations:list")).content.decode()
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert page.count("message-unread") == 2  # shown as new once…
    assert conversation_unread_count(actor=scientist) == 0  # …then read
    assert "message-unread" not in client.get(conversation.get_absolute_url()).content.decode()
    assert "nav-unread-count" not in client.get(badge).content.decode()
    # The sender sees its messages read by the other side.
    client.force_login(world.owner)
    assert client.get(conversation.get_absolute_url()).content.decode().count("message-read") == 2
    # The staff reading for oversight never counts as the party's reading.
    send(world.scientist, conversation, "回复")
    client.force_login(world.staff)
    client.get(conversation.get_absolute_url())
    client.force_login(world.scientist)
    assert client.get(conversation.get_absolute_url()).content.decode().count("message-read") == 0


def test_a_message_tells_the_other_party_only(
    world, conversation, django_capture_on_commit_callbacks
):
    endpoints = {
        organization: webhook_endpoint_create(
            organization=organization,
            actor=actor_for(user=admin),
            url=f"https://erp{organization.pk}.example.cn/hooks",
            events=["message.created"],
        )
        for organization, admin in (
            (world.enterprise, world.owner),
            (world.university, world.scientist),
        )
    }
    Notification.objects.all().delete()
    before = OutboxMessage.objects.count()
    message = send(world.owner, conversation, "请提供样品测试报告", files=[pdf()])
    told = Notification.objects.filter(topic="message")
    assert set(told.values_list("user__username", flat=True)) == {"dr_zhao"}
    assert "请提供样品测试报告" in told.get().body
    assert told.get().url == conversation.get_absolute_url()
    # Its e-mail waits in the outbox, beside the webhook delivery.
    assert OutboxMessage.objects.count() - before == 2
    delivery = WebhookDelivery.objects.get(event="message.created")
    assert delivery.endpoint == endpoints[world.university]
    assert delivery.payload["message"]["id"] == message.pk
    assert delivery.payload["message"]["attachments"][0]["name"] == "报价单.pdf"
    assert delivery.payload["sender"]["organization"]["id"] == world.enterprise.pk


def test_the_rate_limit_refuses_the_next_message(client, world, conversation, settings):
    settings.CONVERSATION_MESSAGES_PER_USER_PER_MINUTE = 3
    client.force_login(world.owner)
    url = conversation.get_absolute_url()
    assert [client.post(url, {"body": f"第{i}条"}).status_code for i in range(3)] == [302] * 3
    refused = client.post(url, {"body": "第4条"})
    assert refused.status_code == 400
    assert "一分钟内已发送 3 条消息" in refused.content.decode()
    assert conversation.messages.count() == 3


def more_conversations(world, count):
    for number in range(count):
        partner = OrganizationFactory()
        member_of(partner)
        need = NeedFactory(organization=world.enterprise)
        conversation = Conversation.objects.create(
            origin="request",
            party_a=world.enterprise,
            party_b=partner,
            subject=need.title,
            listing=need,
            region=need.region,
        )
        Message.objects.create(
            conversation=conversation, sender_organization=partner, body=f"消息{number}"
        )


def test_the_list_and_the_page_take_bounded_queries(
    client, world, conversation, django_assert_max_num_queries
):
    client.force_login(world.owner)
    more_conversations(world, 2)
    for i in range(2):
        send(world.scientist, conversation, f"消息{i}", files=[pdf()])
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("conversations:list"))
    with django_assert_max_num_queries(24) as page_few:
        client.get(conversation.get_absolute_url())
    more_conversations(world, 10)
    for i in range(10):
        send(world.scientist, conversation, f"更多{i}", files=[pdf()])
    with django_assert_max_num_queries(len(few)):
        assert (
            client.get(reverse("conversations:list")).content.decode().count('id="conversation-')
            == 13
        )
    with django_assert_max_num_queries(len(page_few)):
        assert (
            client.get(conversation.get_absolute_url())
            .content.decode()
            .count('class="card mb-2 message')
            == 12
        )


def test_the_open_page_polls_for_the_other_sides_new_messages(client, world, conversation):
    send(world.owner, conversation, body="第一条")
    client.force_login(world.scientist)
    page = client.get(conversation.get_absolute_url()).content.decode()
    # The thread asks its own URL again while the page is open.
    assert f'hx-get="{conversation.get_absolute_url()}"' in page
    assert 'hx-trigger="every 20s"' in page
    send(world.owner, conversation, body="样品已寄出")
    polled = client.get(conversation.get_absolute_url(), HTTP_HX_REQUEST="true")
    body = polled.content.decode()
    assert polled.status_code == 200
    assert body.lstrip().startswith('<section id="thread"')
    assert "样品已寄出" in body and "message-unread" in body
    assert 'id="message-form"' not in body  # the thread alone: what is being typed stays
    # Shown, it counts as read: the next poll no longer marks it new.
    again = client.get(conversation.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert "message-unread" not in again.content.decode()
    client.force_login(world.stranger)
    assert client.get(conversation.get_absolute_url(), HTTP_HX_REQUEST="true").status_code == 404
