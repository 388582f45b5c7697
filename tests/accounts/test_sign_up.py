"""Signing up: every sign-up is confirmed by e-mail, and the answer never says whether an
account already uses the address."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.legal import TERMS_VERSION
from accounts.models import SignUp, User
from accounts.services import SIGN_UP_KEPT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGN_UP = reverse("accounts:sign_up")
SENT = reverse("accounts:sign_up_sent")
RESEND = reverse("accounts:sign_up_resend")
LOGIN = reverse("accounts:login")
REGISTER = reverse("organizations:register")
SITE = "https://techbridge.example.cn"
TYPED_PASSWORD = "Tide-pool-7391"
USERNAME_TAKEN = "已存在一位使用该名字的用户。"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE + "/"
    settings.SIGN_UP_CONFIRMATION_DAYS = 3
    settings.SIGN_UP_EMAILS_PER_ADDRESS_PER_HOUR = 3
    settings.SIGN_UP_EMAILS_PER_CLIENT_PER_HOUR = 20


def sign_up_data(**overrides):
    data = {
        "username": "zhangwei",
        "display_name": "张伟",
        "email": "zhangwei@example.cn",
        "phone": "13800000001",
        "password1": TYPED_PASSWORD,
        "password2": TYPED_PASSWORD,
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


def link_in(mail):
    """The confirmation link's path, checked to be absolute on SITE_URL in both parts."""
    match = re.search(rf"{re.escape(SITE)}(/accounts/sign-up/confirm/[^/\s]+/)", mail.body)
    assert match, mail.body
    html = mail.alternatives[0][0]
    assert f'href="{SITE}{match.group(1)}"' in html
    return match.group(1)


def visible(response):
    """What the visitor sees, as comparable data: the CSRF token is masked afresh for every
    page shown (even twice to one person), so its values (in forms and for HTMX) are left out."""
    body = re.sub(
        r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[A-Za-z0-9]{64}"',
        r'\1""',
        response.content.decode(),
    )
    assert "csrfmiddlewaretoken" in body
    return {
        "status": response.status_code,
        "templates": [t.name for t in response.templates],
        "headers": dict(response.headers),
        "cookies": sorted(response.cookies),
        "body": body,
    }


def sign_up_as_a_visitor(data):
    """A fresh visitor signs up: (the POST's answer, the page it leads to), as seen."""
    visitor = Client()
    response = visitor.post(SIGN_UP, data)
    answer = {
        "status": response.status_code,
        "location": response.get("Location"),
        "headers": dict(response.headers),
        "cookies": sorted(response.cookies),
        "body": response.content,
    }
    return answer, visible(visitor.get(response["Location"]))


# --- the page and bad input -------------------------------------------------------------------


def test_sign_up_page(client):
    response = client.get(SIGN_UP)
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {
        "username",
        "display_name",
        "email",
        "phone",
        "password1",
        "password2",
        "accept_terms",
    }
    page = response.content.decode()
    assert (
        '我已阅读并同意<a href="/accounts/agreement/" target="_blank">《用户协议》</a>'
        '和<a href="/accounts/privacy/" target="_blank">《隐私政策》</a>。'
    ) in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param({"email": ""}, "email", "该字段是必填项。", id="no-email"),
        pytest.param({"email": "zhangwei@"}, "email", "请输入合法的邮件地址。", id="bad-email"),
        pytest.param({"username": "taken"}, "username", USERNAME_TAKEN, id="username"),
        pytest.param({"username": "TAKEN"}, "username", USERNAME_TAKEN, id="username-case"),
        pytest.param({"accept_terms": ""}, "accept_terms", "勾选此项后方可注册。", id="no-terms"),
        pytest.param(
            {"password2": "Tide-pool-7392"}, "password2", "输入的两个密码不一致。", id="mismatch"
        ),
        pytest.param(
            {"password1": "12345678", "password2": "12345678"},
            "password2",
            "这个密码太常见了。",
            id="common",
        ),
        pytest.param(
            {"password1": "abc", "password2": "abc"},
            "password2",
            "密码长度太短。密码必须包含至少 8 个字符。",
            id="short",
        ),
        pytest.param(
            {"password1": "zhangwei123", "password2": "zhangwei123"},
            "password2",
            "密码跟 用户名 太相似了。",
            id="like-username",
        ),
        pytest.param(
            {"display_name": "张伟\u202e"},
            "display_name",
            "显示名称不能包含换行、控制字符、不可见字符或文字方向控制字符。",
            id="hidden-characters",
        ),
    ],
)
def test_bad_input_names_the_field_in_chinese_and_keeps_what_was_typed(
    client, mailoutbox, overrides, field, message
):
    UserFactory(username="taken", email="user-taken@example.cn")
    data = sign_up_data(**overrides)
    response = client.post(SIGN_UP, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    page = response.content.decode()
    assert f'data-field="{field}"' in page
    # Everything typed comes back, except the passwords.
    for name in ("username", "display_name", "email", "phone"):
        if data[name] and name != field:
            assert f'name="{name}" value="{data[name]}"' in page.replace("\n", " "), name
    assert data["password1"] not in page
    assert (User.objects.count(), SignUp.objects.count(), mailoutbox) == (1, 0, [])
    assert logged_in_user_id(client) is None


# --- a new address ----------------------------------------------------------------------------


def test_a_new_address_gets_a_link_that_makes_the_account_and_goes_on_to_register(
    client, mailoutbox
):
    response = client.post(SIGN_UP, sign_up_data(email="ZhangWei@Example.CN"))
    assert response.status_code == 302
    assert response.url == SENT
    # Nothing usable yet: no account, nobody logged in, nothing reserved.
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None
    page = client.get(SENT).content.decode()
    assert "我们已向 zhangwei@example.cn 发送了一封邮件。请打开邮件中的链接激活您的账号。" in page
    assert "链接在 3 天内有效。" in page
    assert 'id="sign-up-resend-form"' in page
    assert 'value="zhangwei@example.cn"' in page

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhangwei@example.cn"]
    assert mail.subject == "[TechBridge 科技供需对接平台] 请确认您的邮箱地址"
    assert "张伟，您好：" in mail.body
    assert "用此邮箱地址在 TechBridge 注册了用户“zhangwei”" in mail.body
    assert "请在 3 天内打开以下链接" in mail.body
    assert "如果不是您本人注册，请忽略此邮件" in mail.body
    link = link_in(mail)

    # Opening the link shows what will be made; mail scanners that open it change nothing.
    response = client.get(link)
    assert response.status_code == 200
    assert "要激活邮箱地址为 zhangwei@example.cn 的账号“zhangwei”吗？" in response.content.decode()
    assert not User.objects.exists()

    response = client.post(link)
    assert response.status_code == 302
    assert response.url == REGISTER
    user = User.objects.get()
    assert (user.username, user.display_name, user.email, user.phone, user.is_active) == (
        "zhangwei",
        "张伟",
        "zhangwei@example.cn",
        "13800000001",
        True,
    )
    # The consent (PIPL): to which version of the terms, and when it was given at sign-up.
    assert user.terms_version == TERMS_VERSION
    assert timezone.now() - user.terms_accepted_at < timedelta(minutes=1)
    assert user.check_password(TYPED_PASSWORD)
    assert str(logged_in_user_id(client)) == str(user.pk)
    assert not SignUp.objects.exists()
    page = client.get(REGISTER)
    assert page.status_code == 200
    assert "欢迎！请办理机构入驻，或申请加入已有机构。" in page.content.decode()

    # The password typed at sign-up logs in from now on.
    client.logout()
    response = client.post(LOGIN, {"username": "zhangwei", "password": TYPED_PASSWORD})
    assert response.status_code == 302


def test_the_link_works_once_only(client, mailoutbox):
    client.post(SIGN_UP, sign_up_data())
    link = link_in(mailoutbox[0])
    assert client.post(link).status_code == 302
    client.logout()
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert response.context["reason"] == "used"
        assert "此链接已经使用过，账号已激活。请用用户名和密码登录。" in response.content.decode()
        assert logged_in_user_id(client) is None
    assert User.objects.count() == 1


def test_one_address_gets_one_account_whichever_of_its_links_is_opened(client, mailoutbox):
    client.post(SIGN_UP, sign_up_data())
    client.post(SIGN_UP, sign_up_data(username="zhangwei2"))
    first, second = (link_in(mail) for mail in mailoutbox)
    assert client.post(second).status_code == 302
    client.logout()
    response = client.post(first)
    assert response.status_code == 400
    assert response.context["reason"] == "used"
    assert list(User.objects.values_list("username", flat=True)) == ["zhangwei2"]


def test_a_username_taken_before_the_link_is_opened(client, mailoutbox):
    client.post(SIGN_UP, sign_up_data())
    UserFactory(username="ZhangWei", email="someone.else@example.cn")
    response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert response.context["reason"] == "username_taken"
    assert "请换一个用户名重新注册" in response.content.decode()
    assert not User.objects.filter(email="zhangwei@example.cn").exists()
    assert not SignUp.objects.exists()


def sign_up_link_made_ago(client, mailoutbox, monkeypatch, age):
    """Sign up with the signing clock turned back by `age`; return the link."""
    then = signing.b62_encode(int((timezone.now() - age).timestamp()))
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: then)
        client.post(SIGN_UP, sign_up_data())
    return link_in(mailoutbox[-1])


def test_a_link_works_for_three_days(client, mailoutbox, monkeypatch):
    link = sign_up_link_made_ago(client, mailoutbox, monkeypatch, timedelta(days=3, minutes=-5))
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 302


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_says_so_and_offers_a_new_one(client, mailoutbox, monkeypatch, method):
    link = sign_up_link_made_ago(client, mailoutbox, monkeypatch, timedelta(days=3, minutes=5))
    response = getattr(client, method)(link)
    assert response.status_code == 400
    assert response.context["reason"] == "expired"
    page = response.content.decode()
    assert "链接已过期。请在下方重新发送链接。" in page
    assert f'action="{RESEND}"' in page
    assert not User.objects.exists()

    # The new link works.
    response = client.post(RESEND, {"email": "zhangwei@example.cn"})
    assert response.url == SENT
    assert len(mailoutbox) == 2
    assert client.post(link_in(mailoutbox[1])).url == REGISTER
    assert User.objects.get().username == "zhangwei"


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="changed"),
        pytest.param(lambda token: token[:-6], id="cut-short"),
        pytest.param(lambda token: "not-a-token", id="made-up"),
        pytest.param(
            lambda token: signing.dumps(signing.loads(token, salt="accounts.sign-up-confirmation")),
            id="signed-for-something-else",
        ),
    ],
)
def test_a_tampered_link_says_so_and_offers_a_new_one(client, mailoutbox, spoil):
    client.post(SIGN_UP, sign_up_data())
    token = link_in(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    link = reverse("accounts:sign_up_confirm", kwargs={"token": spoil(token)})
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 400
        assert response.context["reason"] == "invalid"
        page = response.content.decode()
        assert "链接无效，可能不完整或被改动过。" in page
        assert 'id="sign-up-resend-form"' in page
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None


# --- an address that has an account -----------------------------------------------------------


@pytest.mark.parametrize("owner_active", [True, False], ids=["owner", "deactivated-owner"])
def test_a_taken_address_is_answered_exactly_as_a_new_one(mailoutbox, owner_active):
    data = sign_up_data(email="Li.Na@example.cn", username="lina")
    new = sign_up_as_a_visitor(data)
    SignUp.objects.all().delete()
    mailoutbox.clear()

    owner = UserFactory(username="li_na", email="li.na@example.cn", is_active=owner_active)
    before = User.objects.values().get(pk=owner.pk)
    taken = sign_up_as_a_visitor(data)

    assert taken == new
    assert new[0]["status"] == 302 and new[0]["location"] == SENT
    assert "我们已向 li.na@example.cn 发送了一封邮件。" in new[1]["body"]
    # Nothing was made or changed.
    assert list(User.objects.values()) == [before]
    assert not SignUp.objects.exists()
    if not owner_active:
        assert mailoutbox == []
        return
    # The owner is told, with the ways in.
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["li.na@example.cn"]
    assert mail.subject == "[TechBridge 科技供需对接平台] 有人尝试用您的邮箱地址注册"
    assert "但该地址已属于您的账号“li_na”。没有创建新账号，您的账号也没有任何变化。" in mail.body
    assert f"{SITE}{LOGIN}" in mail.body
    assert f"{SITE}{reverse('accounts:password_reset')}" in mail.body
    assert f'href="{SITE}{LOGIN}"' in mail.alternatives[0][0]
    assert "/accounts/sign-up/confirm/" not in mail.body


def test_the_username_of_a_waiting_sign_up_stays_free_whatever_its_address(client, mailoutbox):
    """Were the username held by a sign-up to a new address and not by one to a taken address,
    trying it again would tell the two apart."""
    UserFactory(email="taken@example.cn")
    client.post(SIGN_UP, sign_up_data(username="probe1", email="taken@example.cn"))
    client.post(SIGN_UP, sign_up_data(username="probe2", email="new@example.cn"))
    for username in ("probe1", "probe2"):
        response = Client().post(SIGN_UP, sign_up_data(username=username, email="x@example.cn"))
        assert response.status_code == 302, username


def test_sign_ups_are_forgotten_a_month_after_their_last_link(client):
    client.post(SIGN_UP, sign_up_data(username="old", email="old@example.cn"))
    client.post(SIGN_UP, sign_up_data(username="recent", email="recent@example.cn"))
    SignUp.objects.filter(username="old").update(
        link_sent_at=timezone.now() - SIGN_UP_KEPT - timedelta(minutes=1)
    )
    SignUp.objects.filter(username="recent").update(
        link_sent_at=timezone.now() - SIGN_UP_KEPT + timedelta(minutes=1)
    )
    client.post(SIGN_UP, sign_up_data(username="next", email="next@example.cn"))
    assert sorted(SignUp.objects.values_list("username", flat=True)) == ["next", "recent"]


# --- sending the link again -------------------------------------------------------------------


def test_resend_gives_a_new_link_to_a_waiting_sign_up(client, mailoutbox):
    client.post(SIGN_UP, sign_up_data())
    response = client.get(RESEND)
    assert response.status_code == 200
    assert response.context["form"]["email"].value() == "zhangwei@example.cn"
    response = client.post(RESEND, {"email": "ZHANGWEI@example.cn"})
    assert response.status_code == 302
    assert response.url == SENT
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["zhangwei@example.cn"]
    assert client.post(link_in(mailoutbox[1])).url == REGISTER


def resend_as_a_visitor(email):
    visitor = Client()
    response = visitor.post(RESEND, {"email": email})
    return (response.status_code, response.get("Location")), visible(
        visitor.get(response["Location"])
    )


def test_resend_answers_the_same_for_any_address(mailoutbox):
    Client().post(SIGN_UP, sign_up_data(email="waiting@example.cn"))
    mailoutbox.clear()
    UserFactory(email="owner@example.cn")
    # One address at a time, so that the pages (which show it) can be compared.
    answers = []
    for setup in ("waiting", "owner", "nobody"):
        User.objects.filter(email="same@example.cn").delete()
        SignUp.objects.filter(email="same@example.cn").delete()
        if setup == "waiting":
            SignUp.objects.filter(email="waiting@example.cn").update(email="same@example.cn")
        elif setup == "owner":
            User.objects.filter(email="owner@example.cn").update(email="same@example.cn")
        answers.append(resend_as_a_visitor("same@example.cn"))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == (302, SENT)
    # Only the waiting sign-up got a link; an account's owner is not written to.
    assert [mail.to for mail in mailoutbox] == [["same@example.cn"]]


def test_resend_bad_input(client, mailoutbox):
    response = client.post(RESEND, {"email": "not-an-address"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["请输入合法的邮件地址。"]
    assert 'value="not-an-address"' in response.content.decode()
    assert mailoutbox == []


# --- throttling -------------------------------------------------------------------------------


TOO_MANY = "为此邮箱地址或从您所在网络请求发送的注册邮件过多，请一小时后再试。"


@pytest.mark.parametrize("who", ["waiting", "owner", "nobody"])
def test_resend_is_throttled_per_address_the_same_for_any_address(client, mailoutbox, who):
    if who == "waiting":
        client.post(SIGN_UP, sign_up_data(email="same@example.cn"))  # counts as one
    elif who == "owner":
        UserFactory(email="same@example.cn")
        client.post(SIGN_UP, sign_up_data(email="same@example.cn"))  # counts as one
    else:
        client.post(SIGN_UP, sign_up_data(email="same@example.cn", accept_terms=""))  # not
        client.post(RESEND, {"email": "same@example.cn"})
    statuses = [client.post(RESEND, {"email": "same@example.cn"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    response = client.post(RESEND, {"email": "Same@Example.cn"})
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert TOO_MANY in response.content.decode()
    # Another address from elsewhere is not held back.
    assert Client().post(RESEND, {"email": "other@example.cn"}).status_code == 302
    assert len(mailoutbox) == {"waiting": 3, "owner": 1, "nobody": 0}[who]


def test_sign_up_is_throttled_per_address_and_keeps_what_was_typed(client, mailoutbox):
    UserFactory(email="owner@example.cn")
    for n in range(3):
        data = sign_up_data(username=f"try{n}", email="owner@example.cn")
        assert client.post(SIGN_UP, data).status_code == 302
    response = client.post(SIGN_UP, sign_up_data(username="try3", email="owner@example.cn"))
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [TOO_MANY]
    assert 'value="try3"' in response.content.decode()
    assert len(mailoutbox) == 3  # the owner is not flooded


def test_sign_up_emails_are_throttled_per_client(client, settings, mailoutbox):
    settings.SIGN_UP_EMAILS_PER_CLIENT_PER_HOUR = 4
    statuses = [
        client.post(RESEND, {"email": f"person{n}@example.cn"}).status_code for n in range(4)
    ]
    response = client.post(SIGN_UP, sign_up_data(email="person9@example.cn"))
    assert statuses + [response.status_code] == [302, 302, 302, 302, 429]
    assert not SignUp.objects.exists()
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(SIGN_UP, sign_up_data(email="person9@example.cn")).status_code == 302


# --- logging in before confirming -------------------------------------------------------------


def test_logging_in_before_confirming_says_so_and_offers_the_link_again(client, mailoutbox):
    Client().post(SIGN_UP, sign_up_data())
    response = client.post(LOGIN, {"username": "zhangwei", "password": TYPED_PASSWORD})
    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert response.context["form"].non_field_errors() == [
        "您的账号尚未激活：请打开我们发送到您邮箱的链接，确认邮箱地址。"
    ]
    page = response.content.decode()
    assert 'id="sign-up-resend-form"' in page
    assert 'value="zhangwei@example.cn"' in page
    response = client.post(RESEND, {"email": "zhangwei@example.cn"})
    assert client.post(link_in(mailoutbox[-1])).url == REGISTER


def test_a_wrong_password_for_a_waiting_sign_up_reveals_nothing(client):
    Client().post(SIGN_UP, sign_up_data())
    waiting = client.post(LOGIN, {"username": "zhangwei", "password": "wrong-password"})
    unknown = client.post(LOGIN, {"username": "nobody", "password": "wrong-password"})
    for response in (waiting, unknown):
        assert response.status_code == 200
        assert 'id="sign-up-resend-form"' not in response.content.decode()
        assert "zhangwei@example.cn" not in response.content.decode()
    assert waiting.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


# --- accounts made elsewhere ------------------------------------------------------------------


def test_the_back_office_makes_active_accounts_that_log_in(admin_client, client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "made_by_staff",
            "usable_password": "true",
            "password1": "Staff-made-2046",
            "password2": "Staff-made-2046",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="made_by_staff")
    assert user.is_active
    response = client.post(LOGIN, {"username": "made_by_staff", "password": "Staff-made-2046"})
    assert response.status_code == 302
    assert str(logged_in_user_id(client)) == str(user.pk)


def test_the_back_office_lists_waiting_sign_ups_without_their_password(admin_client):
    Client().post(SIGN_UP, sign_up_data())
    response = admin_client.get(reverse("admin:accounts_signup_changelist"))
    assert response.status_code == 200
    assert "zhangwei@example.cn" in response.content.decode()
    sign_up = SignUp.objects.get()
    response = admin_client.get(reverse("admin:accounts_signup_change", args=[sign_up.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "zhangwei@example.cn" in page
    assert sign_up.password not in page
    assert 'name="email"' not in page  # read-only
