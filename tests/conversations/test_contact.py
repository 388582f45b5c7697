"""Contact after a match, and contact asked for from a listing (“我要对接”)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conversations import services
from conversations.models import Block, ContactRequest, Conversation
from matching.models import Match
from notifications.models import Notification
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from repositories.models import ListingStatus
from tests.conversations.conftest import answer
from tests.factories import NeedFactory

pytestmark = pytest.mark.django_db


def names(events):
    return [event.name for event in events]


def test_one_side_interested_opens_nothing_and_shows_no_contact(client, world):
    answer(world.match, world.owner)
    assert not Conversation.objects.exists()
    client.force_login(world.owner)
    page = client.get(world.match.get_absolute_url()).content.decode()
    assert world.university.contact_phone not in page
    assert 'id="match-contact"' not in page


def test_both_sides_interested_open_a_conversation_and_each_sees_the_other(client, world):
    answer(world.match, world.owner)
    answer(world.match, world.scientist, "contacted")
    conversation = Conversation.objects.get(match=world.match)
    assert (conversation.party_a, conversation.party_b) == (world.enterprise, world.university)
    assert conversation.region == world.need.region
    assert conversation.origin == Conversation.Origin.MATCH
    opened = OutcomeEvent.objects.get(name=OutcomeEvent.Name.CONVERSATION_OPENED)
    assert (opened.subject_id, opened.organization, opened.counterpart) == (
        conversation.pk,
        world.enterprise,
        world.university,
    )
    # Answering again opens no second conversation.
    answer(world.match, world.owner, "contacted")
    assert Conversation.objects.count() == 1

    client.force_login(world.owner)
    match_page = client.get(world.match.get_absolute_url()).content.decode()
    assert "赵老师" in match_page and "13911112222" in match_page
    assert "zhao@lab.example.cn" in match_page
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert 'id="counterpart-contact"' in page and "13911112222" in page

    client.force_login(world.scientist)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "王经理" in page and "0574-65551234" in page
    # Both parties were told.
    assert Notification.objects.filter(topic="contact", user=world.scientist).count() == 1
    assert Notification.objects.filter(topic="contact", user=world.colleague).count() == 1


def test_not_relevant_on_one_side_opens_nothing(world):
    answer(world.match, world.owner)
    services.conversation_open_for_match(match_id=world.match.pk)
    from matching.services import match_answer

    match_answer(
        match=world.match,
        actor=actor_for(user=world.scientist),
        answer="not_relevant",
        reason="too_early",
    )
    assert not Conversation.objects.exists()


def test_the_shared_contact_is_chosen_by_an_administrator_and_never_public(client, world):
    url = reverse("conversations:shared_contact", args=[world.university.pk])
    client.force_login(world.scientist)
    bad = client.post(url, {"name": "钱工", "phone": "12345", "email": "x"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "手机号" in text or "区号" in text  # the phone's Chinese error, the form bound
    assert 'value="钱工"' in text
    assert (
        client.post(url, {"name": "钱工", "phone": "13700001111", "email": ""}).status_code == 302
    )
    # A plain member of the other side cannot reach the form.
    client.force_login(world.colleague)
    assert (
        client.get(reverse("conversations:shared_contact", args=[world.enterprise.pk])).status_code
        == 404
    )

    answer(world.match, world.owner)
    answer(world.match, world.scientist)
    conversation = world.match.conversation
    client.force_login(world.owner)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "钱工" in page and "13700001111" in page and "13911112222" not in page
    # Public pages, the stranger, the overseeing staff: never the shared contact.
    for user in (None, world.stranger, world.staff):
        client.logout()
        if user:
            client.force_login(user)
        for path in (world.achievement.get_absolute_url(), world.need.get_absolute_url()):
            assert "13700001111" not in client.get(path).content.decode()
    client.force_login(world.staff)
    page = client.get(conversation.get_absolute_url())
    assert page.status_code == 200
    assert "13700001111" not in page.content.decode()
    assert "0574-65551234" not in page.content.decode()


def ask(client, listing, message="我们希望了解该成果的转让条件。", **extra):
    return client.post(
        reverse("conversations:request_create", args=[listing.kind, listing.pk]),
        {"message": message, **extra},
    )


def test_a_request_accepted_opens_a_conversation(client, world):
    client.force_login(world.owner)
    page = client.get(world.achievement.get_absolute_url()).content.decode()
    assert 'id="ask-contact"' in page
    response = ask(client, world.achievement)
    assert response.status_code == 302
    request = ContactRequest.objects.get()
    assert (request.organization, request.owner, request.status) == (
        world.enterprise,
        world.university,
        "pending",
    )
    assert Notification.objects.filter(user=world.scientist, topic="contact").exists()
    assert (
        'id="contact-pending"' in client.get(world.achievement.get_absolute_url()).content.decode()
    )

    client.force_login(world.scientist)
    incoming = client.get(reverse("conversations:requests")).content.decode()
    assert "我们希望了解该成果的转让条件" in incoming
    response = client.post(reverse("conversations:request_accept", args=[request.pk]))
    conversation = Conversation.objects.get()
    assert response.url == conversation.get_absolute_url()
    assert conversation.origin == Conversation.Origin.REQUEST
    # The request's message opens the conversation; the requester seeks supply, so the
    # overseeing region is the requester's.
    assert conversation.messages.get().body == "我们希望了解该成果的转让条件。"
    assert conversation.region == world.enterprise.region
    assert names(OutcomeEvent.objects.exclude(name="match.answered")) == [
        "contact.requested",
        "contact.accepted",
        "conversation.opened",
    ]
    client.force_login(world.owner)
    assert "13911112222" in client.get(conversation.get_absolute_url()).content.decode()


def test_a_request_declined_opens_nothing_and_the_requester_is_told(client, world):
    client.force_login(world.owner)
    ask(client, world.achievement)
    request = ContactRequest.objects.get()
    client.force_login(world.scientist)
    url = reverse("conversations:request_decline", args=[request.pk])
    bad = client.post(url, {"reason": "", "note": "暂不考虑"})
    assert bad.status_code == 400
    assert "请从列表中选择婉拒的理由" in bad.content.decode()
    assert "暂不考虑" in bad.content.decode()
    assert client.post(url, {"reason": "too_early", "note": "明年再议"}).status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == ("declined", "too_early")
    assert not Conversation.objects.exists()
    told = Notification.objects.get(user=world.owner, topic="contact")
    assert "时机尚早" in told.title and told.body == "明年再议"
    assert OutcomeEvent.objects.filter(name="contact.declined").count() == 1


def test_bad_requests_are_refused_with_chinese_errors(client, world):
    client.force_login(world.owner)
    own = ask(client, world.need)
    assert own.status_code == 400
    assert "贵单位自己" in own.content.decode()
    empty = ask(client, world.achievement, message="  ")
    assert empty.status_code == 400 and "写一段简短的留言" in empty.content.decode()
    # An unpublished listing of another organization: not there for the requester.
    draft = NeedFactory(organization=world.university, status=ListingStatus.SUBMITTED)
    assert ask(client, draft).status_code == 404
    # A closed one neither (the service refuses it too, whoever reaches it).
    world.achievement.status = ListingStatus.CLOSED
    world.achievement.save()
    assert ask(client, world.achievement).status_code == 404
    with pytest.raises(ValidationError) as refused:
        services.contact_request_create(
            actor=actor_for(user=world.owner),
            listing=world.achievement,
            organization=world.enterprise,
            message="您好",
        )
    assert refused.value.message_dict == {"listing": ["只能对已发布且在有效期内的信息发起对接。"]}
    assert not ContactRequest.objects.exists()


def test_only_the_owner_accepts(client, world):
    client.force_login(world.owner)
    ask(client, world.achievement)
    request = ContactRequest.objects.get()
    # The requester cannot accept its own request; a stranger does not see it.
    client.post(reverse("conversations:request_accept", args=[request.pk]))
    client.force_login(world.stranger)
    assert (
        client.post(reverse("conversations:request_accept", args=[request.pk])).status_code == 404
    )
    request.refresh_from_db()
    assert request.status == "pending" and not Conversation.objects.exists()


def test_the_n_plus_first_request_of_a_day_is_refused(client, world, settings):
    settings.CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY = 2
    client.force_login(world.owner)
    listings = [NeedFactory(organization=world.university) for _ in range(3)]
    assert [ask(client, listing).status_code for listing in listings[:2]] == [302, 302]
    refused = ask(client, listings[2])
    assert refused.status_code == 400
    assert "今天已发出 2 个对接请求" in refused.content.decode()
    assert ContactRequest.objects.count() == 2


def test_a_blocked_organization_can_neither_ask_nor_write(client, world, conversation):
    client.force_login(world.scientist)
    client.post(reverse("conversations:block", args=[conversation.pk]))
    assert Block.objects.filter(organization=world.university, blocked=world.enterprise).exists()
    client.force_login(world.owner)
    refused = ask(client, world.achievement)
    assert refused.status_code == 400 and "不接受贵单位的对接请求" in refused.content.decode()
    written = client.post(conversation.get_absolute_url(), {"body": "您好"})
    assert written.status_code == 400 and "屏蔽" in written.content.decode()
    assert not conversation.messages.exists()
    # Unblocked, they write again.
    client.force_login(world.scientist)
    client.post(reverse("conversations:block", args=[conversation.pk]), {"unblock": "1"})
    client.force_login(world.owner)
    assert client.post(conversation.get_absolute_url(), {"body": "您好"}).status_code == 302


def test_a_report_reaches_the_staff_of_the_region_only(client, world, conversation):
    client.force_login(world.scientist)
    empty = client.post(reverse("conversations:report", args=[conversation.pk]), {"reason": ""})
    assert empty.status_code == 400 and "请从列表中选择问题" in empty.content.decode()
    client.post(
        reverse("conversations:report", args=[conversation.pk]),
        {"reason": "spam", "note": "反复发送广告"},
    )
    # The region's staff are told at once; the other region's are not.
    told = Notification.objects.get(user=world.staff, url=reverse("conversations:reports"))
    assert world.university.name in told.title and told.body == "反复发送广告"
    assert not Notification.objects.filter(user=world.far_staff).exists()
    client.force_login(world.staff)
    queue = client.get(reverse("conversations:reports")).content.decode()
    assert "反复发送广告" in queue
    client.force_login(world.far_staff)
    assert "反复发送广告" not in client.get(reverse("conversations:reports")).content.decode()
    client.force_login(world.owner)
    assert client.get(reverse("conversations:reports")).status_code == 404


def test_a_match_that_is_not_approved_opens_nothing(world):
    Match.objects.filter(pk=world.match.pk).update(status=Match.Status.PROPOSED)
    assert services.conversation_open_for_match(match_id=world.match.pk) is None


def test_a_cast_office_oversees_contact_and_does_not_ask_for_it(world):
    office = world.staff.memberships.get().organization
    with pytest.raises(ValidationError) as refused:
        services.contact_request_create(
            actor=actor_for(user=world.staff),
            listing=world.achievement,
            organization=office,
            message="我们想了解该成果",
        )
    assert "organization" in refused.value.message_dict
    assert not ContactRequest.objects.exists()
