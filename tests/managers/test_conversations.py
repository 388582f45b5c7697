"""A technology manager takes part in contact about the listings in its mandate: it reads and
writes in their conversations for the organization that mandated it, answers contact requests
about them and hears of new messages; it never blocks the other side, and it loses all of it
when the mandate ends."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from conversations import services
from conversations.models import Block, ContactRequest, Conversation
from conversations.selectors import conversation_unread_count
from managers.services import mandate_accept, mandate_end
from notifications.models import Notification
from tests.factories import AchievementFactory, api_token_for
from tests.managers.conftest import act, offer

pytestmark = pytest.mark.django_db


def send(user, conversation, body):
    return services.message_send(actor=act(user), conversation=conversation, body=body)


def test_the_manager_writes_for_the_mandating_party_marked_as_its_manager(
    client, world, conversation, mandate
):
    manager = mandate.manager
    client.force_login(manager)
    listed = client.get(reverse("conversations:list")).content.decode()
    assert conversation.get_absolute_url() in listed
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert 'id="mandate-note"' in page and 'id="message-form"' in page
    assert 'id="block-button"' not in page  # blocking stays with the members
    assert 'id="report-form"' in page
    Notification.objects.all().delete()
    assert (
        client.post(conversation.get_absolute_url(), {"body": "许可费可分期支付。"}).status_code
        == 302
    )
    message = conversation.messages.get()
    assert (message.sender, message.sender_organization, message.by_mandate) == (
        manager,
        world.university,
        True,
    )
    # The other side is told, and sees who wrote: the university, by its technology manager.
    told = set(
        Notification.objects.filter(topic="message").values_list("user__username", flat=True)
    )
    assert told == {"nh_owner", "nh_colleague"}
    client.force_login(world.owner)
    thread = client.get(conversation.get_absolute_url()).content.decode()
    assert "浙江照明电子研究院 · 李经理" in thread and "技术经理人" in thread
    # A member's own message carries no such mark.
    assert not send(world.scientist, conversation, "样品下周寄出。").by_mandate


def test_the_manager_hears_of_the_other_sides_messages_and_reads_them(
    client, world, conversation, mandate
):
    manager = mandate.manager
    Notification.objects.all().delete()
    send(world.owner, conversation, "能否提供检测报告？")
    assert Notification.objects.filter(user=manager, topic="message").exists()
    assert conversation_unread_count(actor=act(manager)) == 1
    # Its own side's messages (the university's members') are never unread for it.
    send(world.scientist, conversation, "报告已上传。")
    assert conversation_unread_count(actor=act(manager)) == 1
    client.force_login(manager)
    badge = client.get(reverse("conversations:unread_badge")).content.decode()
    assert 'id="nav-unread-count">1<' in badge
    client.get(conversation.get_absolute_url())
    assert conversation_unread_count(actor=act(manager)) == 0


def test_a_manager_cannot_block_the_other_side(world, conversation, mandate):
    with pytest.raises(PermissionDenied):
        services.organization_block(actor=act(mandate.manager), conversation=conversation)
    assert not Block.objects.exists()
    report = services.abuse_report_create(
        actor=act(mandate.manager), conversation=conversation, reason="spam"
    )
    assert (report.reporter_organization, report.reported_organization) == (
        world.university,
        world.enterprise,
    )


def test_no_mandate_on_the_listing_or_an_ended_one_gives_nothing(
    client, world, conversation, manager
):
    # A mandate on another listing of the same university reaches no conversation.
    elsewhere = AchievementFactory(organization=world.university, title="院内另一项成果")
    other = mandate_accept(
        actor=act(manager.user), mandate=offer(world, manager, listings=[elsewhere])
    )
    client.force_login(manager.user)
    url = conversation.get_absolute_url()
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "越权"}).status_code == 404
    mandate_end(actor=act(world.scientist), mandate=other, note="范围调整")
    # In force on the achievement, then ended: the conversation is gone again.
    mandate = mandate_accept(actor=act(manager.user), mandate=offer(world, manager))
    assert client.get(url).status_code == 200
    mandate_end(actor=act(world.scientist), mandate=mandate, note="合作结束")
    assert client.get(url).status_code == 404
    assert conversation_unread_count(actor=act(manager.user)) == 0
    assert not conversation.messages.exists()


def test_the_manager_answers_contact_requests_about_its_listing(client, world, mandate):
    manager = mandate.manager
    client.force_login(world.stranger)
    client.post(
        reverse(
            "conversations:request_create", args=[world.achievement.kind, world.achievement.pk]
        ),
        {"message": "希望了解红外开关成果的许可条件。"},
    )
    request = ContactRequest.objects.get()
    assert Notification.objects.filter(user=manager, topic="contact").exists()
    client.force_login(manager)
    incoming = client.get(reverse("conversations:requests")).content.decode()
    assert "希望了解红外开关成果的许可条件" in incoming and "request-accept" in incoming
    assert f'id="block-{request.pk}"' not in incoming  # blocking stays with the members
    response = client.post(reverse("conversations:request_accept", args=[request.pk]))
    conversation = Conversation.objects.get()
    assert response.url == conversation.get_absolute_url()
    assert conversation.party_ids == (world.stranger_org.pk, world.university.pk)
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("accepted", manager)
    assert (
        client.post(conversation.get_absolute_url(), {"body": "请约时间面谈。"}).status_code == 302
    )
    assert conversation.messages.last().by_mandate


def test_a_request_declined_by_the_manager_blocks_nobody(client, world, mandate):
    client.force_login(world.stranger)
    client.post(
        reverse(
            "conversations:request_create", args=[world.achievement.kind, world.achievement.pk]
        ),
        {"message": "请报价。"},
    )
    request = ContactRequest.objects.get()
    client.force_login(mandate.manager)
    url = reverse("conversations:request_decline", args=[request.pk])
    bad = client.post(url, {"reason": "", "note": "暂不考虑"})
    assert bad.status_code == 400 and "暂不考虑" in bad.content.decode()
    assert client.post(url, {"reason": "too_early", "block": "1"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "declined"
    assert not Block.objects.exists()


def test_a_request_about_another_listing_stays_hidden_from_the_manager(client, world, mandate):
    other = AchievementFactory(organization=world.university, title="院内另一项成果")
    client.force_login(world.stranger)
    client.post(
        reverse("conversations:request_create", args=[other.kind, other.pk]),
        {"message": "请报价。"},
    )
    request = ContactRequest.objects.get()
    client.force_login(mandate.manager)
    assert "请报价" not in client.get(reverse("conversations:requests")).content.decode()
    assert (
        client.post(reverse("conversations:request_accept", args=[request.pk])).status_code == 404
    )


def test_the_api_says_which_messages_a_manager_wrote(client, world, conversation, mandate):
    send(mandate.manager, conversation, "许可费可分期支付。")
    send(world.scientist, conversation, "样品下周寄出。")
    _token, key = api_token_for(world.enterprise, user=world.owner)
    response = client.get(
        reverse("api:conversation-messages", args=[conversation.pk]),
        headers={"authorization": f"Token {key}"},
    )
    assert response.status_code == 200
    rows = response.json()
    rows = rows.get("results", rows)
    assert [(row["body"], row["sender"]["by_mandate"]) for row in rows] == [
        ("许可费可分期支付。", True),
        ("样品下周寄出。", False),
    ]
