"""The technology managers' pages through the Django test client: the directory and profiles
(what the public sees, what only the manager and the reviewing staff see), one's profile and
certificate, the CAST staff's verification, mandates offered, answered, narrowed and ended by
posting the pages' forms, bad input coming back with its Chinese error naming the field and
what was typed, POST-only actions, 404 for what one may not see, and the commissions due shown
on the mandate's page and on the deal's page to those it concerns."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation
from deals.models import Contract, Deal
from managers.models import Commission, ManagerProfile
from managers.services import (
    certificate_decide,
    commissions_compute,
    mandate_accept,
    mandate_offer,
)
from notifications.models import Notification
from organizations.models import Mandate, Membership, Organization
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from repositories.models import ListingStatus
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    cast_staff,
    direction,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CJK = re.compile(r"[\u4e00-\u9fff]")


def act(user):
    return actor_for(user=user)


def pdf(name="证书.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def html(response):
    return response.content.decode()


def field_errors(page, name):
    return re.findall(rf'data-field="{name}">(.*?)</div>', page)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def staff_of(region_code):
    """The staff member of the region's CAST office (one office per region)."""
    membership = Membership.objects.filter(organization__name=f"科协{region_code}").first()
    return membership.user if membership else cast_staff(region_code)


def make_manager(name="周知远", *, region_code=HANGZHOU, verified=True, user=None):
    """A manager with a submitted certificate, verified by the region's staff unless told."""
    user = user or UserFactory()
    profile = ManagerProfile.objects.create(
        user=user,
        name=name,
        headline="十年新材料成果转化经验",
        bio="曾促成多项专利许可与转让。",
        region=region(region_code),
        certificate_number="JSJL-2024-330100-0815",
        certificate_issuer="中国科学技术交流中心",
        certificate_level="中级",
        certificate_file=pdf(),
        certificate_status=ManagerProfile.CertificateStatus.PENDING,
    )
    profile.fields.set([direction().parent])
    if verified:
        certificate_decide(actor=act(staff_of(region_code)), profile=profile, approve=True, note="")
        profile.refresh_from_db()
    return profile


@dataclass
class Market:
    organization: Organization
    org_admin: object
    org_member: object
    rival: object
    manager: object
    profile: ManagerProfile
    staff: object
    far_staff: object
    need: object
    other_need: object
    mandate: Mandate


def offer(market_or_org, admin, profile, listings, **terms):
    today = timezone.localdate()
    values = {
        "scope_note": "寻找受让方并推进谈判",
        "base_fee": Decimal("5000"),
        "success_share": Decimal("3"),
        "cap": Decimal("80000"),
        "starts_on": today,
        "ends_on": today + timedelta(days=365),
        **terms,
    }
    return mandate_offer(
        actor=act(admin),
        organization=market_or_org,
        manager=profile,
        listings=listings,
        **values,
    )


@pytest.fixture
def market():
    organization = OrganizationFactory(name="杭州澄源环保科技有限公司")
    org_admin = member_of(organization)
    org_member = member_of(organization, role="member")
    rival = member_of(OrganizationFactory(name="宁波竞争者有限公司"))
    need = NeedFactory(organization=organization, title="工业废水深度处理技术需求")
    other_need = NeedFactory(organization=organization, title="烟气脱硝催化剂需求")
    NeedFactory(organization=organization, title="已关闭的需求", status=ListingStatus.CLOSED)
    profile = make_manager()
    mandate = offer(organization, org_admin, profile, [need])
    return Market(
        organization=organization,
        org_admin=org_admin,
        org_member=org_member,
        rival=rival,
        manager=profile.user,
        profile=profile,
        staff=staff_of(HANGZHOU),
        far_staff=staff_of(SHENZHEN),
        need=need,
        other_need=other_need,
        mandate=mandate,
    )


def role_user(market, role):
    return None if role == "anonymous" else getattr(market, role)


def deal_about(need, *, supplier=None, listing=None, verified=True, total="120", equipment="20"):
    """A signed deal about the need, its registration verified (commissions computed)."""
    supplier = supplier or OrganizationFactory(kind=Organization.Kind.INSTITUTION, name="江南大学")
    member_of(supplier)
    conversation = Conversation.objects.create(
        origin="request",
        party_a=supplier,
        party_b=need.organization,
        subject=need.title,
        listing=need,
        region=need.region,
    )
    deal = Deal.objects.create(
        title=need.title,
        origin="conversation",
        demand_party=need.organization,
        supply_party=supplier,
        conversation=conversation,
        need=need,
        listing=listing,
        region=need.region,
        stage="registered",
    )
    Contract.objects.create(
        deal=deal,
        contract_type="transfer",
        total_amount=Decimal(total),
        non_technical_amount=Decimal(equipment),
        payment_terms="lump_sum",
        signed_on=timezone.localdate(),
        registration_number="2026330101000001",
        registered_on=timezone.localdate(),
        registration_status=Contract.Registration.VERIFIED if verified else "pending",
    )
    if verified:
        commissions_compute(deal=deal)
    return deal


# --- the directory and the profiles -----------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["anonymous", "manager", "org_admin", "org_member", "rival", "staff", "far_staff"]
)
def test_the_directory_lists_only_verified_managers_to_everyone(client, market, role):
    pending = make_manager("待审核经理人", verified=False)
    login(client, role_user(market, role))
    page = html(client.get(reverse("managers:list")))
    assert market.profile.name in page
    assert f'id="manager-{market.profile.pk}"' in page
    assert "十年新材料成果转化经验" in page
    assert pending.name not in page


def test_the_directory_searches_by_keyword_and_field(client, market):
    other = make_manager("钱海川", region_code=SHENZHEN)
    ManagerProfile.objects.filter(pk=other.pk).update(headline="生物医药许可谈判")
    other.fields.set([direction(40).parent])
    page = html(client.get(reverse("managers:list"), {"q": "生物医药"}))
    assert other.name in page and market.profile.name not in page
    # Words typed together, as Chinese is written, each found on its own.
    page = html(client.get(reverse("managers:list"), {"q": "生物谈判"}))
    assert other.name in page and market.profile.name not in page
    field = direction().parent
    page = html(client.get(reverse("managers:list"), {"field": field.code}))
    assert market.profile.name in page
    if direction(40).parent != field:
        assert other.name not in page


def test_a_filter_not_understood_is_dropped_not_an_error(client, market):
    response = client.get(reverse("managers:list"), {"field": "no-such", "q": "x" * 500})
    assert response.status_code == 200
    assert market.profile.name in html(response)


def test_the_profile_shows_record_standing_and_a_masked_certificate(client, market):
    deal_about(market.need)
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    page = html(client.get(market.profile.get_absolute_url()))
    assert market.profile.name in page
    assert "•" * 17 + "0815" in page
    assert "JSJL-2024-330100-0815" not in page
    assert "中国科学技术交流中心" in page
    verified_on = timezone.localtime(market.profile.certificate_checked_at).date().isoformat()
    assert verified_on in page
    assert 'id="certificate-file"' not in page
    # The standing explains itself: not enough history yet, and no event behind it.
    assert 'id="manager-standing"' in page
    assert 'id="give-mandate"' not in page


def test_the_standing_lists_the_events_behind_it(client, market):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    deal = deal_about(market.need)
    event = OutcomeEvent.objects.get(name=OutcomeEvent.Name.COMMISSION_DUE, subject_id=deal.pk)
    page = html(client.get(market.profile.get_absolute_url()))
    assert f'id="event-{event.pk}"' in page
    assert re.search(r'id="record-deals">1<', page)
    assert re.search(r'id="record-mandates">1<', page)


def test_the_owner_and_the_staff_see_the_whole_certificate_number(client, market):
    for user in (market.manager, market.staff):
        page = html(login(client, user).get(market.profile.get_absolute_url()))
        assert "JSJL-2024-330100-0815" in page
        assert 'id="certificate-file"' in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 404),
        ("org_admin", 404),
        ("rival", 404),
        ("far_staff", 404),
        ("staff", 200),
        ("owner", 200),
    ],
)
def test_an_unverified_profile_is_seen_by_its_owner_and_its_staff_only(
    client, market, role, expected
):
    pending = make_manager("待审核经理人", verified=False)
    user = pending.user if role == "owner" else role_user(market, role)
    response = login(client, user).get(pending.get_absolute_url())
    assert response.status_code == expected
    if expected == 200:
        assert 'id="not-public"' in html(response)


def test_an_organization_administrator_is_offered_to_give_a_mandate(client, market):
    page = html(login(client, market.org_admin).get(market.profile.get_absolute_url()))
    assert f"{reverse('managers:mandate_new')}?manager={market.profile.pk}" in page
    for user in (market.org_member, market.manager, market.staff):
        page = html(login(client, user).get(market.profile.get_absolute_url()))
        assert 'id="give-mandate"' not in page


def test_an_unknown_profile_is_not_found(client, market):
    assert client.get(reverse("managers:detail", args=[99999])).status_code == 404


# --- one's own profile and certificate --------------------------------------------------------


def test_a_person_writes_a_profile_then_is_sent_to_the_certificate(client):
    user = UserFactory(display_name="林晓")
    login(client, user)
    page = html(client.get(reverse("managers:me")))
    assert 'value="林晓"' in page
    response = client.post(
        reverse("managers:me"),
        {
            "name": "林晓",
            "headline": "高校成果许可",
            "bio": "负责高校专利许可十年。",
            "region": region(HANGZHOU).pk,
            "fields": [direction().parent.pk],
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("managers:certificate")
    profile = ManagerProfile.objects.get(user=user)
    assert (profile.name, profile.certificate_status) == ("林晓", "none")
    assert list(profile.fields.all()) == [direction().parent]


def test_bad_profile_input_comes_back_in_chinese_with_what_was_typed(client):
    login(client, UserFactory())
    response = client.post(
        reverse("managers:me"),
        {"name": "", "headline": "我写的标题", "bio": "", "region": "99999999999999999999"},
    )
    assert response.status_code == 400
    page = html(response)
    for name, label in (("name", "名称"), ("bio", "从业经历"), ("region", "地区")):
        errors = field_errors(page, name)
        assert errors and all(label in error for error in errors), errors
    assert "我写的标题" in page
    assert not ManagerProfile.objects.exists()


def test_the_certificate_needs_a_profile_first(client):
    login(client, UserFactory())
    response = client.get(reverse("managers:certificate"))
    assert response.status_code == 302
    assert response.url == reverse("managers:me")


def test_a_certificate_is_sent_and_the_region_staff_are_told(client, market):
    profile = make_manager("新经理人", verified=False)
    ManagerProfile.objects.filter(pk=profile.pk).update(
        certificate_status="none", certificate_file=""
    )
    login(client, profile.user)
    response = client.post(
        reverse("managers:certificate"),
        {
            "certificate_number": "JSJL-2025-0001",
            "certificate_issuer": "浙江省科技厅",
            "certificate_level": "初级",
            "certificate_file": pdf(),
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.certificate_status == "pending"
    assert profile.certificate_file
    assert Notification.objects.filter(
        user=market.staff, topic=Notification.Topic.MANDATE, url=reverse("managers:review_queue")
    ).exists()


def test_bad_certificate_input_keeps_what_was_typed_and_asks_for_the_file_again(client):
    profile = make_manager("新经理人", verified=False)
    ManagerProfile.objects.filter(pk=profile.pk).update(
        certificate_status="none", certificate_file="", certificate_number=""
    )
    login(client, profile.user)
    response = client.post(
        reverse("managers:certificate"),
        {
            "certificate_number": "",
            "certificate_issuer": "我填的发证机构",
            "certificate_file": SimpleUploadedFile("scan.pdf", b"not a pdf at all"),
        },
    )
    assert response.status_code == 400
    page = html(response)
    assert field_errors(page, "certificate_number")
    assert all(CJK.search(error) for error in field_errors(page, "certificate_number"))
    assert "我填的发证机构" in page
    assert 'id="choose-again"' in page
    # Without a number the file is not even looked at; with one, it is refused by its content.
    response = client.post(
        reverse("managers:certificate"),
        {
            "certificate_number": "JSJL-1",
            "certificate_issuer": "我填的发证机构",
            "certificate_file": SimpleUploadedFile("scan.pdf", b"not a pdf at all"),
        },
    )
    assert response.status_code == 400
    errors = field_errors(html(response), "certificate_file")
    assert errors and CJK.search(errors[0])
    profile.refresh_from_db()
    assert profile.certificate_status == "none"


def test_a_missing_scan_is_a_field_error(client):
    profile = make_manager("新经理人", verified=False)
    ManagerProfile.objects.filter(pk=profile.pk).update(
        certificate_status="none", certificate_file=""
    )
    login(client, profile.user)
    response = client.post(
        reverse("managers:certificate"),
        {"certificate_number": "JSJL-1", "certificate_issuer": "浙江省科技厅"},
    )
    assert response.status_code == 400
    errors = field_errors(html(response), "certificate_file")
    assert errors and CJK.search(errors[0])
    assert 'id="choose-again"' not in html(response)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("manager", 200),
        ("staff", 200),
        ("org_admin", 404),
        ("rival", 404),
        ("far_staff", 404),
    ],
)
def test_the_certificate_scan_is_for_its_owner_and_the_reviewing_staff(
    client, market, role, expected
):
    response = login(client, role_user(market, role)).get(
        reverse("managers:certificate_file", args=[market.profile.pk])
    )
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Cache-Control"] == "private, no-store"


# --- the CAST staff's verification ------------------------------------------------------------


def test_the_staff_verify_a_certificate_from_their_queue(client, market):
    pending = make_manager("待审核经理人", verified=False)
    login(client, market.staff)
    page = html(client.get(reverse("managers:review_queue")))
    assert f'id="review-{pending.pk}"' in page
    assert reverse("managers:review_queue") in html(client.get(reverse("managers:list")))
    response = client.post(reverse("managers:review", args=[pending.pk]), {"decision": "verify"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.certificate_status == "verified"
    assert pending.certificate_checked_by == market.staff


def test_a_rejection_needs_a_note(client, market):
    pending = make_manager("待审核经理人", verified=False)
    login(client, market.staff)
    response = client.post(
        reverse("managers:review", args=[pending.pk]), {"decision": "reject", "note": " "}
    )
    assert response.status_code == 400
    errors = field_errors(html(response), "note")
    assert errors and CJK.search(errors[0])
    response = client.post(
        reverse("managers:review", args=[pending.pk]), {"decision": "maybe", "note": "看不清"}
    )
    assert response.status_code == 400
    assert field_errors(html(response), "decision")
    assert "看不清" in html(response)
    response = client.post(
        reverse("managers:review", args=[pending.pk]),
        {"decision": "reject", "note": "扫描件不清晰"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.certificate_status, pending.certificate_note) == ("rejected", "扫描件不清晰")


@pytest.mark.parametrize(
    ("role", "queue", "review"),
    [
        ("anonymous", 302, 302),
        ("manager", 403, 404),
        ("org_admin", 403, 404),
        ("far_staff", 200, 404),
        ("staff", 200, 200),
    ],
)
def test_only_the_region_staff_review(client, market, role, queue, review):
    pending = make_manager("待审核经理人", verified=False)
    login(client, role_user(market, role))
    assert client.get(reverse("managers:review_queue")).status_code == queue
    assert client.get(reverse("managers:review", args=[pending.pk])).status_code == review
    if role == "far_staff":
        queue_page = html(client.get(reverse("managers:review_queue")))
        assert f'id="review-{pending.pk}"' not in queue_page
        review_url = reverse("managers:review", args=[pending.pk])
        response = client.post(review_url, {"decision": "verify"})
        assert response.status_code == 404
        pending.refresh_from_db()
        assert pending.certificate_status == "pending"


# --- mandates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("manager", 200),
        ("org_admin", 200),
        ("org_member", 200),
        ("staff", 200),
        ("rival", 404),
        ("far_staff", 404),
    ],
)
def test_a_mandate_is_seen_by_its_parties_and_the_region_staff_only(client, market, role, expected):
    response = login(client, role_user(market, role)).get(
        reverse("managers:mandate", args=[market.mandate.pk])
    )
    assert response.status_code == expected
    if expected == 200:
        assert market.need.title in html(response)


def test_my_mandates_and_the_mandates_we_gave(client, market):
    page = html(login(client, market.manager).get(reverse("managers:mandates")))
    assert f'id="mandate-{market.mandate.pk}"' in page
    assert market.organization.name in page and market.need.title in page
    for user in (market.org_admin, market.org_member):
        page = html(login(client, user).get(reverse("managers:mandates")))
        assert f'id="mandate-{market.mandate.pk}"' in page
        assert market.profile.name in page
    page = html(login(client, market.rival).get(reverse("managers:mandates")))
    assert f'id="mandate-{market.mandate.pk}"' not in page
    assert client.logout() is None
    assert client.get(reverse("managers:mandates")).status_code == 302


def mandate_data(market, **changes):
    today = timezone.localdate()
    return {
        "manager": market.profile.pk,
        "listings": [market.need.pk, market.other_need.pk],
        "scope_note": "寻找受让方",
        "base_fee": "8000",
        "success_share": "2.5",
        "cap": "100000",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=180)).isoformat(),
        **changes,
    }


def test_an_administrator_offers_a_mandate_on_the_organizations_listings(client, market):
    login(client, market.org_admin)
    page = html(client.get(reverse("managers:mandate_new"), {"manager": market.profile.pk}))
    assert f'value="{market.profile.pk}" selected' in page
    assert market.need.title in page and market.other_need.title in page
    assert "已关闭的需求" not in page
    response = client.post(reverse("managers:mandate_new"), mandate_data(market))
    assert response.status_code == 302
    mandate = Mandate.objects.exclude(pk=market.mandate.pk).get()
    assert response.url == reverse("managers:mandate", args=[mandate.pk])
    assert (mandate.status, mandate.base_fee, mandate.success_share, mandate.cap) == (
        "offered",
        Decimal("8000"),
        Decimal("2.5"),
        Decimal("100000"),
    )
    assert set(mandate.listings.values_list("pk", flat=True)) == {
        market.need.pk,
        market.other_need.pk,
    }


@pytest.mark.parametrize(
    ("changes", "field", "label"),
    [
        ({"success_share": "150"}, "success_share", "成功佣金比例"),
        ({"success_share": "三成"}, "success_share", "成功佣金比例"),
        ({"base_fee": "-1"}, "base_fee", "基础服务费"),
        ({"cap": "100", "base_fee": "8000"}, "cap", "佣金上限"),
        ({"listings": []}, "listings", "委托范围内的信息"),
        ({"scope_note": ""}, "scope_note", "委托事项"),
        ({"manager": ""}, "manager", "技术经理人"),
        ({"ends_on": "2020-01-01", "starts_on": "2020-02-01"}, "ends_on", "截止日期"),
        ({"ends_on": "明年"}, "ends_on", "截止日期"),
    ],
)
def test_bad_mandate_input_comes_back_in_chinese_with_what_was_typed(
    client, market, changes, field, label
):
    login(client, market.org_admin)
    data = mandate_data(market, scope_note=changes.get("scope_note", "我写的范围说明"))
    data.update(changes)
    response = client.post(reverse("managers:mandate_new"), data)
    assert response.status_code == 400
    page = html(response)
    errors = field_errors(page, field)
    assert errors and all(label in error for error in errors), errors
    if field != "scope_note":
        assert "我写的范围说明" in page
    assert Mandate.objects.count() == 1


def test_a_listing_of_another_organization_cannot_be_put_in_scope(client, market):
    foreign = NeedFactory(title="别家的需求")
    login(client, market.org_admin)
    response = client.post(
        reverse("managers:mandate_new"), mandate_data(market, listings=[foreign.pk])
    )
    assert response.status_code == 400
    assert field_errors(html(response), "listings")
    assert Mandate.objects.count() == 1


@pytest.mark.parametrize(("role", "expected"), [("org_member", 403), ("manager", 403)])
def test_only_an_administrator_gives_mandates(client, market, role, expected):
    login(client, role_user(market, role))
    assert client.get(reverse("managers:mandate_new")).status_code == expected
    assert (
        client.post(reverse("managers:mandate_new"), mandate_data(market)).status_code == expected
    )
    assert Mandate.objects.count() == 1


def test_an_unverified_organization_is_told_to_be_verified_first(client, market):
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    login(client, member_of(pending))
    response = client.get(reverse("managers:mandate_new"))
    assert response.status_code == 200
    assert 'id="not-verified"' in html(response)


def test_the_manager_accepts_and_then_acts_for_the_organization(client, market):
    login(client, market.manager)
    page = html(client.get(reverse("managers:mandate", args=[market.mandate.pk])))
    assert 'id="mandate-accept"' in page
    url = reverse("managers:mandate_act", args=[market.mandate.pk, "accept"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    market.mandate.refresh_from_db()
    assert market.mandate.status == "active"
    assert act(market.manager).acts_for_listing(market.need)
    # Accepting twice is refused with a message, nothing changes.
    response = client.post(url)
    assert response.status_code == 400
    assert 'id="mandate-error"' in html(response)


def test_the_manager_declines_with_a_note(client, market):
    login(client, market.manager)
    response = client.post(
        reverse("managers:mandate_act", args=[market.mandate.pk, "decline"]),
        {"note": "档期已满"},
    )
    assert response.status_code == 302
    market.mandate.refresh_from_db()
    assert (market.mandate.status, market.mandate.end_note) == ("declined", "档期已满")


@pytest.mark.parametrize("role", ["org_admin", "org_member", "staff"])
def test_only_the_manager_answers_an_offer(client, market, role):
    login(client, role_user(market, role))
    for action in ("accept", "decline"):
        response = client.post(reverse("managers:mandate_act", args=[market.mandate.pk, action]))
        assert response.status_code == 403
    market.mandate.refresh_from_db()
    assert market.mandate.status == "offered"


def test_either_side_ends_a_mandate_with_a_note(client, market):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    login(client, market.org_admin)
    url = reverse("managers:mandate_act", args=[market.mandate.pk, "end"])
    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    errors = field_errors(html(response), "note")
    assert errors and CJK.search(errors[0])
    assert client.post(url, {"note": "项目已结束"}).status_code == 302
    market.mandate.refresh_from_db()
    assert (market.mandate.status, market.mandate.end_note) == ("ended", "项目已结束")
    assert not act(market.manager).acts_for_listing(market.need)


def test_the_manager_ends_a_mandate_too(client, market):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    login(client, market.manager)
    url = reverse("managers:mandate_act", args=[market.mandate.pk, "end"])
    assert client.post(url, {"note": "另有安排"}).status_code == 302
    market.mandate.refresh_from_db()
    assert market.mandate.status == "ended"


@pytest.mark.parametrize("role", ["org_member", "staff"])
def test_a_member_who_is_not_an_administrator_cannot_end_or_rescope(client, market, role):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    login(client, role_user(market, role))
    page = html(client.get(reverse("managers:mandate", args=[market.mandate.pk])))
    assert 'id="end-form"' not in page and 'id="listings-form"' not in page
    end = reverse("managers:mandate_act", args=[market.mandate.pk, "end"])
    assert client.post(end, {"note": "越权"}).status_code == 403
    scope = reverse("managers:mandate_act", args=[market.mandate.pk, "listings"])
    assert client.post(scope, {"listings": [market.other_need.pk]}).status_code == 403
    market.mandate.refresh_from_db()
    assert market.mandate.status == "active"
    assert list(market.mandate.listings.values_list("pk", flat=True)) == [market.need.pk]


def test_the_administrator_changes_the_listings_in_scope(client, market):
    login(client, market.org_admin)
    url = reverse("managers:mandate_act", args=[market.mandate.pk, "listings"])
    response = client.post(url, {"listings": []})
    assert response.status_code == 400
    errors = field_errors(html(response), "listings")
    assert errors and CJK.search(errors[0])
    assert client.post(url, {"listings": [market.other_need.pk]}).status_code == 302
    assert list(market.mandate.listings.values_list("pk", flat=True)) == [market.other_need.pk]


@pytest.mark.parametrize("role", ["rival", "far_staff"])
def test_a_stranger_cannot_act_on_a_mandate_it_cannot_see(client, market, role):
    login(client, role_user(market, role))
    for action in ("accept", "decline", "end", "listings"):
        url = reverse("managers:mandate_act", args=[market.mandate.pk, action])
        assert client.post(url, {"note": "x"}).status_code == 404
    market.mandate.refresh_from_db()
    assert market.mandate.status == "offered"


def test_an_unknown_action_is_not_found(client, market):
    login(client, market.manager)
    url = reverse("managers:mandate_act", args=[market.mandate.pk, "approve"])
    assert client.post(url).status_code == 404


# --- commissions --------------------------------------------------------------------------------


def test_the_commission_due_is_shown_on_the_mandate_to_both(client, market):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    deal = deal_about(market.need, total="1000", equipment="0")  # 1,000 万元: held to the cap
    commission = Commission.objects.get()
    assert (commission.amount_due, commission.capped) == (Decimal("80000"), True)
    for user in (market.manager, market.org_admin, market.org_member, market.staff):
        page = html(login(client, user).get(reverse("managers:mandate", args=[market.mandate.pk])))
        assert f'id="commission-{commission.pk}"' in page
        assert "¥80,000" in page and "¥10,000,000" in page
        assert deal.get_absolute_url() in page


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("manager", True),
        ("org_admin", True),
        ("org_member", True),
        ("supplier", True),
        ("staff", False),
    ],
)
def test_the_deal_page_shows_the_commission_to_the_parties_and_the_manager(
    client, market, role, sees
):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    supplier = OrganizationFactory(kind=Organization.Kind.INSTITUTION, name="江南大学")
    deal = deal_about(market.need, supplier=supplier)
    commission = Commission.objects.get()
    assert commission.amount_due == Decimal("5000") + Decimal("30000")
    user = member_of(supplier) if role == "supplier" else role_user(market, role)
    response = login(client, user).get(deal.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert (f'id="deal-commission-{commission.pk}"' in page) is sees
    if sees:
        assert "¥35,000" in page
        # The other party reads the amount, not the mandate between the two.
        mandate_url = reverse("managers:mandate", args=[market.mandate.pk])
        assert (mandate_url in page) is (role != "supplier")


def test_a_manager_sees_only_their_own_commission_on_a_deal(client, market):
    mandate_accept(actor=act(market.manager), mandate=market.mandate)
    supplier = OrganizationFactory(kind=Organization.Kind.INSTITUTION, name="江南大学")
    supplier_admin = member_of(supplier)
    supply_listing = NeedFactory(organization=supplier, title="江南大学的成果")
    other_profile = make_manager("吴向东")
    other_mandate = offer(supplier, supplier_admin, other_profile, [supply_listing])
    mandate_accept(actor=act(other_profile.user), mandate=other_mandate)
    deal = deal_about(market.need, supplier=supplier, listing=supply_listing)
    assert Commission.objects.count() == 2
    mine = Commission.objects.get(mandate=market.mandate)
    theirs = Commission.objects.get(mandate=other_mandate)
    page = html(login(client, market.manager).get(deal.get_absolute_url()))
    assert f'id="deal-commission-{mine.pk}"' in page
    assert f'id="deal-commission-{theirs.pk}"' not in page
    page = html(login(client, market.org_admin).get(deal.get_absolute_url()))
    assert f'id="deal-commission-{mine.pk}"' in page
    assert f'id="deal-commission-{theirs.pk}"' in page


def test_the_navigation_links_the_managers(client, market):
    page = html(client.get(reverse("managers:list")))
    assert 'id="nav-managers"' in page
    page = html(login(client, market.org_admin).get(reverse("managers:list")))
    assert reverse("managers:mandates") in page
