import pytest

from core.emails import header_safe
from notifications.emails import REASONS
from notifications.models import Notification
from notifications.services import notification_send_email, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def send(*, user, **fields):
    (notification,) = notify(users=[user], **fields)
    notification_send_email(notification_id=notification.pk)
    return notification


def test_the_mail_is_a_letter_with_text_and_html(mailoutbox, settings):
    settings.SITE_URL = "https://kj.example.cn/"
    user = UserFactory(display_name="王工")
    send(
        user=user,
        topic=Notification.Topic.LISTING_REVIEWED,
        title="已退回修改：印染废水脱色",
        body="请补充指标 <色度>",
        url="/needs/7/",
    )
    (mail,) = mailoutbox
    assert mail.subject == "[TechBridge 科技供需对接平台] 已退回修改：印染废水脱色"
    assert mail.to == [user.email]
    assert mail.body == (
        "王工，您好：\n\n"
        "已退回修改：印染废水脱色\n\n"
        "请补充指标 <色度>\n\n"
        "请登录平台查看详情并处理：\n"
        "https://kj.example.cn/needs/7/\n\n"
        "--\n"
        "您收到此邮件，是因为您是发布该信息的机构的成员。\n"
        "与您所在机构及您本人申请相关的消息，在您参与期间均会通过邮件发送，"
        "并可在“消息通知”中查看全部内容：\n"
        "https://kj.example.cn/notifications/\n"
        "订阅类邮件可在“我的订阅”页面中设置：\n"
        "https://kj.example.cn/subscriptions/\n"
    )
    ((html, mimetype),) = mail.alternatives
    assert mimetype == "text/html"
    assert '<html lang="zh-hans">' in html
    assert "<p>王工，您好：</p>" in html
    assert '<h1 style="font-size: 1.25em;">已退回修改：印染废水脱色</h1>' in html
    assert "<p>请补充指标 &lt;色度&gt;</p>" in html
    assert '<a href="https://kj.example.cn/needs/7/">https://kj.example.cn/needs/7/</a>' in html
    assert '<a href="https://kj.example.cn/notifications/">' in html


def test_a_subscription_mail_says_how_to_change_the_subscription(mailoutbox, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    user = UserFactory(display_name="", username="li_si")
    send(
        user=user, topic=Notification.Topic.SUBSCRIPTION, title="新信息 3 条", url="/subscriptions/"
    )
    body = mailoutbox[0].body
    assert body.startswith("li_si，您好：\n\n新信息 3 条\n\n请登录平台查看详情并处理：\n")
    assert body.endswith(
        "--\n"
        "您收到此邮件，是因为您在本平台订阅了新发布的信息。\n"
        "如需调整此类邮件的发送频率或停止接收，请修改或暂停您的订阅：\n"
        "http://127.0.0.1:8000/subscriptions/\n"
    )


def test_a_mail_without_body_or_link_still_reads_well(mailoutbox):
    send(user=UserFactory(display_name="赵工"), topic=Notification.Topic.MEMBERSHIP, title="欢迎")
    body = mailoutbox[0].body
    assert body.startswith(
        "赵工，您好：\n\n欢迎\n\n--\n您收到此邮件，是因为您是该机构的管理员，或申请加入了该机构。\n"
    )
    assert "请登录平台查看详情并处理" not in body
    assert "请登录平台查看详情并处理" not in mailoutbox[0].alternatives[0][0]


def test_the_subject_is_one_safe_line_whatever_the_title_holds(mailoutbox):
    send(
        user=UserFactory(),
        topic=Notification.Topic.MATCH,
        title="第一行\r\nBcc: x@evil.example\x00\u2028第二行\u202e\tend",
    )
    assert mailoutbox[0].subject == (
        "[TechBridge 科技供需对接平台] 第一行 Bcc: x@evil.example 第二行 end"
    )
    assert mailoutbox[0].bcc == []
    stored = Notification.objects.get()
    assert stored.title == "第一行 Bcc: x@evil.example 第二行 end"


def test_header_safe():
    assert header_safe("  a\nb\x1bc\u0085d  ") == "a b c d"


def test_every_topic_says_why_the_recipient_gets_it():
    assert set(REASONS) == set(Notification.Topic)
