"""Notifications are written in their recipient's language (the one the person last chose with
the language button), whatever language the person whose action sent them was using."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from notifications.models import Notification
from notifications.services import notification_send_email, notify
from tests.conversations.conftest import conversation, world  # noqa: F401  (fixtures)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def choose(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": "/"})


def test_the_language_button_remembers_a_signed_in_persons_choice(client):
    user = UserFactory(username="foreign_expert")
    assert user.language == "" and user.message_language == "zh-hans"
    client.force_login(user)
    assert choose(client, "en").status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    # A language the platform does not speak changes nothing.
    choose(client, "fr")
    user.refresh_from_db()
    assert user.language == "en"
    choose(client, "zh-hans")
    user.refresh_from_db()
    assert user.language == "zh-hans"
    # Someone not signed in only gets the cookie.
    client.logout()
    response = choose(client, "en")
    assert response.cookies["django_language"].value == "en"
    assert not User.objects.filter(language="en").exists()


def test_one_notification_is_written_in_each_recipients_language(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    english = UserFactory(username="en_reader", language="en", email="en@example.cn")
    chinese = UserFactory(username="zh_reader", language="zh-hans", email="zh@example.cn")
    default = UserFactory(username="default_reader", email="default@example.cn")
    told = notify(
        users=[english, chinese, default],
        topic=Notification.Topic.MESSAGE,
        title=lambda: (
            _("New message from %(organization)s: %(subject)s")
            % {"organization": "宁海", "subject": "红外开关"}
        ),
        body=gettext_lazy("(files only)"),
    )
    titles = {n.user.username: (n.title, n.body) for n in told}
    assert titles == {
        "en_reader": ("New message from 宁海: 红外开关", "(files only)"),
        "zh_reader": ("宁海 发来新消息：红外开关", "（仅附件）"),
        "default_reader": ("宁海 发来新消息：红外开关", "（仅附件）"),
    }
    for notification in told:
        notification_send_email(notification_id=notification.pk)
    letters = {letter.to[0]: letter for letter in mail.outbox}
    assert letters["en@example.cn"].subject.endswith("New message from 宁海: 红外开关")
    assert "You receive this e-mail because" in letters["en@example.cn"].body
    assert letters["zh@example.cn"].subject.endswith("宁海 发来新消息：红外开关")
    assert "You receive this e-mail because" not in letters["zh@example.cn"].body


def test_an_english_speaker_writing_tells_the_chinese_side_in_chinese(
    client,
    world,  # noqa: F811
    conversation,  # noqa: F811
):
    """The actor's language (English, from the button) no longer leaks into what the other
    side reads: the enterprise's members read Chinese, one of them who chose English, English."""
    world.colleague.language = "en"
    world.colleague.save(update_fields=["language"])
    client.force_login(world.scientist)
    choose(client, "en")
    Notification.objects.all().delete()
    response = client.post(conversation.get_absolute_url(), {"body": "Samples ship next week."})
    assert response.status_code == 302
    titles = dict(
        Notification.objects.filter(topic="message").values_list("user__username", "title")
    )
    assert titles == {
        "nh_owner": "浙江照明电子研究院 发来新消息：LED手电筒红外开关改进",
        "nh_colleague": "New message from 浙江照明电子研究院: LED手电筒红外开关改进",
    }
