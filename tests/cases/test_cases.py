"""A completed deal's case: drafted with the amount's band only, edited by the parties, public
only after both administrators' consent and the region staff's approval; withdrawing a consent
unpublishes it. The case bank searches by keywords, field and region; needs show related cases."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import AmountBand, Case, CaseHistory, amount_band_for
from cases.services import case_consent_give, case_consent_withdraw, case_review, case_update
from deals.models import Contract
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from tests.cases.conftest import act, published_case
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    NeedFactory,
    direction,
)


@pytest.mark.parametrize(
    "amount,band",
    [
        ("0", "lt10"),
        ("9.99", "lt10"),
        ("10", "10_50"),
        ("49.99", "10_50"),
        ("50", "50_100"),
        ("100", "100_500"),
        ("499.99", "100_500"),
        ("500", "500_1000"),
        ("1000", "ge1000"),
        ("123456", "ge1000"),
    ],
)
def test_amount_bands(amount, band):
    assert amount_band_for(Decimal(amount)) == band


def test_the_draft_holds_the_band_never_the_amount(client, world, completed):
    case = Case.objects.get(deal=completed)
    contract = Contract.objects.get(deal=completed)
    assert contract.technical_amount == Decimal("100")  # 120 less 20 of equipment
    assert case.amount_band == AmountBand.FROM_100
    assert case.contract_type == "license_ordinary"
    assert case.need_summary == world.need.summary
    assert world.achievement.title in case.solution_summary
    assert (case.demand_party, case.supply_party) == (world.enterprise, world.university)
    assert case.region_id == completed.region_id and case.status == Case.Status.DRAFT
    assert case.days_total == 0 and case.days_to_complete is None  # signed outside the steps
    assert CaseHistory.objects.filter(case=case, action="drafted").exists()
    client.force_login(world.owner)
    text = client.get(case.get_absolute_url()).content.decode()
    assert "100万–500万元" in text
    for exact in ("120", "100.00", "20.00"):
        assert exact not in text.split("<main", 1)[1]


def test_a_case_is_public_only_after_both_consents_and_the_staffs_approval(
    client, world, completed
):
    case = Case.objects.get(deal=completed)
    url = case.get_absolute_url()

    def public():
        client.logout()
        return client.get(url).status_code

    def seen_by(user):
        client.force_login(user)
        return client.get(url).status_code

    assert public() == 404
    assert seen_by(world.stranger) == 404
    assert seen_by(world.far_staff) == 404
    assert seen_by(world.owner) == 200 and seen_by(world.staff) == 200
    # Plain members do not consent; administrators do, once each.
    with pytest.raises(PermissionDenied):
        case_consent_give(actor=act(world.colleague), case=case)
    case_consent_give(actor=act(world.owner), case=case)
    with pytest.raises(ValidationError):
        case_consent_give(actor=act(world.owner), case=case)
    assert public() == 404
    # Nothing to review yet.
    with pytest.raises(ValidationError):
        case_review(actor=act(world.staff), case=case, approve=True)
    client.force_login(world.scientist)
    assert client.post(reverse("cases:consent", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert public() == 404
    # The staff of Hangzhou hear of it; Shenzhen's may not approve (nor even see) it.
    assert Notification.objects.filter(user=world.staff, url=url).exists()
    with pytest.raises(PermissionDenied):
        case_review(actor=act(world.far_staff), case=case, approve=True)
    client.force_login(world.far_staff)
    assert (
        client.post(reverse("cases:review", args=[case.pk]), {"decision": "approve"}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        case_review(actor=act(world.owner), case=case, approve=True)
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert not OutcomeEvent.objects.filter(name="case.published").exists()
    client.force_login(world.staff)
    queue = client.get(reverse("cases:review_queue"))
    assert case.title in queue.content.decode()
    approved = client.post(reverse("cases:review", args=[case.pk]), {"decision": "approve"})
    assert approved.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.PUBLISHED and case.published_at is not None
    assert public() == 200
    assert case.title in client.get(reverse("cases:list")).content.decode()
    event = OutcomeEvent.objects.get(name="case.published")
    assert (event.subject_type, event.subject_id) == ("case", case.pk)
    assert event.data["deal"] == completed.pk and event.data["need"] == completed.need_id
    # Either side withdrawing takes it off the case bank at once.
    case_consent_withdraw(actor=act(world.scientist), case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT and case.published_at is None
    assert public() == 404
    assert OutcomeEvent.objects.filter(name="case.unpublished", subject_id=case.pk).count() == 1
    assert list(CaseHistory.objects.filter(case=case).values_list("action", flat=True)) == [
        "drafted",
        "consented",
        "consented",
        "submitted",
        "approved",
        "withdrawn",
        "unpublished",
    ]
    consent_rows = CaseHistory.objects.filter(case=case, action="consented")
    assert {row.user for row in consent_rows} == {world.owner, world.scientist}


def test_staff_send_it_back_with_a_note_and_consents_are_given_again(client, world, completed):
    case = Case.objects.get(deal=completed)
    case_consent_give(actor=act(world.owner), case=case)
    case_consent_give(actor=act(world.scientist), case=case)
    client.force_login(world.staff)
    url = reverse("cases:review", args=[case.pk])
    bad = client.post(url, {"decision": "return", "note": "  "})
    assert bad.status_code == 400
    assert "请说明需要修改的内容" in bad.content.decode()
    returned = client.post(url, {"decision": "return", "note": "请隐去产线参数"})
    assert returned.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RETURNED and not case.consents.exists()
    client.force_login(world.owner)
    assert "请隐去产线参数" in client.get(case.get_absolute_url()).content.decode()


def test_the_parties_edit_the_draft_each_choosing_how_it_is_shown(client, world, completed):
    case = Case.objects.get(deal=completed)
    case_consent_give(actor=act(world.scientist), case=case)
    url = reverse("cases:edit", args=[case.pk])
    client.force_login(world.owner)
    data = {
        "title": "手电筒红外开关改进",
        "need_summary": "需要更可靠的红外开关",
        "solution_summary": "研究院的红外感应电路",
        "success_factors": ["clear_need", "trusted_partner"],
        "what_made_it_work": "",
        "anonymous": "on",
        "alias": "某制造企业",
    }
    bad = client.post(url, {**data, "title": "", "success_factors": ["bogus"]})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "案例标题" in text and "必填" in text
    assert "请从列表中选择" in text or "选择一个有效的选项" in text
    assert "某制造企业" in text  # bound
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.title == "手电筒红外开关改进"
    assert case.demand_anonymous and case.demand_alias == "某制造企业"
    assert not case.supply_anonymous
    assert not case.consents.exists()  # the change withdrew the university's consent
    assert case.demand_shown == "某制造企业" and case.supply_shown == world.university.name
    page = client.get(case.get_absolute_url()).content.decode()
    assert "某制造企业" in page
    # Anonymous without a description: the kind of organization.
    case_update(actor=act(world.scientist), case=case, anonymous=True)
    case.refresh_from_db()
    assert case.supply_shown == "某高校或科研院所"
    # Strangers and the staff do not edit.
    for user in (world.stranger, world.staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        case_update(actor=act(world.staff), case=case, title="改")


def test_a_published_case_is_not_edited(world, completed):
    case = Case.objects.get(deal=completed)
    case_consent_give(actor=act(world.owner), case=case)
    case_consent_give(actor=act(world.scientist), case=case)
    case_review(actor=act(world.staff), case=case, approve=True)
    with pytest.raises(ValidationError):
        case_update(actor=act(world.owner), case=case, title="改个标题")


def test_search_by_keywords_field_and_region(client, db):
    field_a, field_b = direction(0), direction(40)
    hangzhou = published_case("杭州红外开关", region_code=HANGZHOU, field=field_a)
    ningbo = published_case("宁波模具", region_code=NINGBO, field=field_b)
    shenzhen = published_case("深圳电池回收", region_code=SHENZHEN, field=field_a)
    draft = published_case("未发布的草稿", region_code=HANGZHOU, field=field_a)
    Case.objects.filter(pk=draft.pk).update(status=Case.Status.DRAFT)

    def found(**params):
        page = client.get(reverse("cases:list"), params)
        assert page.status_code == 200
        return {case.pk for case in page.context["page"]}

    assert found() == {hangzhou.pk, ningbo.pk, shenzhen.pk}
    assert found(region=ZHEJIANG) == {hangzhou.pk, ningbo.pk}  # a province has its cities
    assert found(region=NINGBO) == {ningbo.pk}
    assert found(region=GUANGDONG) == {shenzhen.pk}
    assert found(field=field_a.parent.code) == {hangzhou.pk, shenzhen.pk}  # an industry
    assert found(field=field_a.parent.parent.code, region=ZHEJIANG) == (
        {hangzhou.pk, ningbo.pk} & found(field=field_a.parent.parent.code)
    )
    assert found(q="电池") == {shenzhen.pk}
    assert found(q="宁波模具的方案") == {ningbo.pk}
    assert found(region="999999") == {hangzhou.pk, ningbo.pk, shenzhen.pk}  # unknown: ignored
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_case_bank_pages(client, db):
    for index in range(23):
        published_case(f"案例{index:02d}", region_code=HANGZHOU)
    first = client.get(reverse("cases:list"))
    assert len(first.context["page"]) == 20 and "共 23 个案例" in first.content.decode()
    second = client.get(reverse("cases:list"), {"page": 2})
    assert len(second.context["page"]) == 3


def test_related_cases_beside_a_need(client, world):
    need = NeedFactory(organization=world.enterprise, field=direction(3), title="新的需求")
    same_city = published_case("同城同领域案例", region_code=HANGZHOU, field=direction(3))
    elsewhere = [
        published_case(f"外地同领域案例{i}", region_code=SHENZHEN, field=direction(3))
        for i in range(3)
    ]
    other_field = published_case("其他领域案例", region_code=HANGZHOU, field=direction(4))
    page = client.get(need.get_absolute_url())
    text = page.content.decode()
    assert "相关案例" in text
    assert same_city.title in text and other_field.title not in text
    shown = [case for case in elsewhere if case.title in text]
    assert len(shown) == 2  # three at most, the same region first
    assert text.index(same_city.title) < text.index(shown[0].title)
    # Not beside an achievement, and nothing when no case fits.
    lonely = NeedFactory(organization=world.enterprise, field=direction(10))
    assert "相关案例" not in client.get(lonely.get_absolute_url()).content.decode()
    assert "相关案例" not in client.get(world.achievement.get_absolute_url()).content.decode()
