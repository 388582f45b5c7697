"""Technology managers: the certificate verified by the right staff, the rules of a mandate, and
the commission computed from the verified technical-transaction amount."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals.models import Stage
from deals.services import deal_open, deal_transition
from managers.models import Commission, ManagerProfile
from managers.selectors import manager_credit_compute, manager_record
from managers.services import (
    certificate_decide,
    certificate_submit,
    commission_amounts,
    mandate_accept,
    mandate_decline,
    mandate_end,
)
from notifications.models import Notification
from organizations.models import Mandate
from organizations.selectors import actor_for
from outcomes.models import OutcomeEvent
from tests.deals.conftest import put_at
from tests.factories import AchievementFactory, NeedFactory, api_token_for
from tests.managers.conftest import act, make_manager, offer

pytestmark = pytest.mark.django_db
N = OutcomeEvent.Name
# Collected once: the refusals below hold whichever day the tests then run.
TODAY = timezone.localdate()


def verified_deal(world, conversation):
    deal = deal_open(actor=act(world.owner), conversation=conversation)
    put_at(deal, Stage.REGISTERED)
    return deal_transition(actor=act(world.staff), deal=deal, action="verify_registration")


# --- the certificate ---------------------------------------------------------------------


def test_a_certificate_is_verified_by_the_staff_of_the_managers_region(world):
    profile = make_manager(world.staff, verify=False)
    assert profile.certificate_status == ManagerProfile.CertificateStatus.PENDING
    assert Notification.objects.filter(user=world.staff, topic="mandate").exists()
    with pytest.raises(PermissionDenied):
        certificate_decide(actor=act(world.far_staff), profile=profile, approve=True)
    with pytest.raises(PermissionDenied):
        certificate_decide(actor=act(world.owner), profile=profile, approve=True)
    certificate_decide(actor=act(world.staff), profile=profile, approve=True)
    profile.refresh_from_db()
    assert profile.is_verified
    assert profile.certificate_checked_by == world.staff
    assert OutcomeEvent.objects.filter(name=N.MANAGER_CERTIFICATE_VERIFIED).count() == 1


def test_a_rejection_says_why_and_a_resubmission_is_checked_again(world):
    profile = make_manager(world.staff, verify=False)
    with pytest.raises(ValidationError) as error:
        certificate_decide(actor=act(world.staff), profile=profile, approve=False)
    assert "note" in error.value.message_dict
    certificate_decide(actor=act(world.staff), profile=profile, approve=False, note="证书已过期")
    profile.refresh_from_db()
    assert profile.certificate_status == ManagerProfile.CertificateStatus.REJECTED
    certificate_submit(
        actor=act(profile.user),
        profile=profile,
        number="JSJL-2026-000999",
        issuer="浙江省科技厅",
    )
    profile.refresh_from_db()
    assert profile.certificate_status == ManagerProfile.CertificateStatus.PENDING
    assert profile.certificate_note == ""


def test_a_certificate_needs_its_number_issuer_and_a_real_scan(world):
    profile = make_manager(world.staff, verify=False, username="mgr_new")
    profile.certificate_file = ""
    profile.save()
    with pytest.raises(ValidationError) as error:
        certificate_submit(actor=act(profile.user), profile=profile, number=" ", issuer="")
    assert set(error.value.message_dict) == {
        "certificate_number",
        "certificate_issuer",
        "certificate_file",
    }
    fake = SimpleUploadedFile("证书.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        certificate_submit(
            actor=act(profile.user), profile=profile, number="X-1", issuer="某机构", file=fake
        )
    assert "certificate_file" in error.value.message_dict


def test_only_the_manager_in_person_submits_the_certificate(world, manager):
    with pytest.raises(PermissionDenied):
        certificate_submit(actor=act(world.owner), profile=manager, number="1", issuer="x")
    token, _key = api_token_for(world.university, user=world.scientist)
    via_token = actor_for(user=manager.user, token=token)
    with pytest.raises(PermissionDenied):
        certificate_submit(actor=via_token, profile=manager, number="1", issuer="x")


# --- mandates ----------------------------------------------------------------------------


def test_only_a_verified_manager_can_be_given_a_mandate(world):
    pending = make_manager(world.staff, verify=False, username="mgr_wait")
    with pytest.raises(ValidationError) as error:
        offer(world, pending)
    assert "manager" in error.value.message_dict


def test_only_the_organizations_administrators_give_mandates(world, manager):
    from managers.services import mandate_offer

    with pytest.raises(PermissionDenied):
        mandate_offer(
            actor=act(world.owner),  # the enterprise's administrator, not the university's
            organization=world.university,
            manager=manager,
            listings=[world.achievement],
            scope_note="越权",
            base_fee=Decimal("0"),
            success_share=Decimal("1"),
            cap=None,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=30),
        )


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"success_share": Decimal("120")}, "success_share"),
        ({"success_share": Decimal("-1")}, "success_share"),
        ({"base_fee": Decimal("-5")}, "base_fee"),
        ({"base_fee": Decimal("9000"), "cap": Decimal("8000")}, "cap"),
        ({"ends_on": timezone.localdate() - timedelta(days=20)}, "ends_on"),
        (
            {"starts_on": TODAY, "ends_on": TODAY + timedelta(days=2200)},
            "ends_on",
        ),
        ({"listings": []}, "listings"),
        ({"scope_note": "  "}, "scope_note"),
    ],
)
def test_bad_mandate_terms_are_refused_naming_the_field(world, manager, terms, field):
    with pytest.raises(ValidationError) as error:
        offer(world, manager, **terms)
    assert field in error.value.message_dict
    assert not Mandate.objects.exists()


def test_a_mandate_covers_only_the_organizations_own_listings(world, manager):
    with pytest.raises(ValidationError) as error:
        offer(world, manager, listings=[world.achievement, world.need])
    assert "listings" in error.value.message_dict


def test_the_manager_accepts_declines_or_ends_and_nobody_else(world, manager):
    mandate = offer(world, manager)
    assert mandate.status == Mandate.Status.OFFERED
    with pytest.raises(PermissionDenied):
        mandate_accept(actor=act(world.scientist), mandate=mandate)
    mandate_accept(actor=act(manager.user), mandate=mandate)
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ACTIVE and mandate.is_in_force()
    granted = OutcomeEvent.objects.get(name=N.MANDATE_GRANTED)
    assert granted.organization == world.university
    assert granted.data["manager"] == manager.user_id
    with pytest.raises(ValidationError):
        mandate_decline(actor=act(manager.user), mandate=mandate)
    with pytest.raises(PermissionDenied):
        mandate_end(actor=act(world.owner), mandate=mandate, note="不相干")
    with pytest.raises(ValidationError) as error:
        mandate_end(actor=act(world.scientist), mandate=mandate, note="")
    assert "note" in error.value.message_dict
    told = Notification.objects.filter(user=manager.user, topic="mandate").count()
    mandate_end(actor=act(world.scientist), mandate=mandate, note="项目暂停")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.ENDED
    assert OutcomeEvent.objects.get(name=N.MANDATE_ENDED).data["by"] == "organization"
    ended = Notification.objects.filter(user=manager.user, topic="mandate").order_by("-id")
    assert ended.count() == told + 1
    assert ended.first().body == "项目暂停"


def test_a_declined_offer_records_no_mandate_event(world, manager):
    mandate = offer(world, manager)
    mandate_decline(actor=act(manager.user), mandate=mandate, note="档期已满")
    mandate.refresh_from_db()
    assert mandate.status == Mandate.Status.DECLINED
    assert not OutcomeEvent.objects.filter(name__startswith="mandate.").exists()


# --- commission --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "share", "cap", "amount", "due", "capped"),
    [
        ("5000", "3", "50000", "1000000", "35000.00", False),
        ("5000", "3", "20000", "1000000", "20000", True),
        ("0", "2.5", None, "333333", "8333.33", False),
        ("8000", "0", None, "0", "8000.00", False),
    ],
)
def test_the_commission_is_the_base_fee_plus_the_share_up_to_the_cap(
    base, share, cap, amount, due, capped
):
    mandate = Mandate(
        base_fee=Decimal(base),
        success_share=Decimal(share),
        cap=Decimal(cap) if cap else None,
    )
    _share, computed, was_capped = commission_amounts(
        mandate=mandate, technical_amount_yuan=Decimal(amount)
    )
    assert computed == Decimal(due)
    assert was_capped is capped


def test_a_verified_registration_computes_the_commission_once(world, conversation, mandate):
    deal = verified_deal(world, conversation)
    commission = Commission.objects.get(deal=deal)
    # 120 less 20 (10,000 yuan) of equipment: 1,000,000 yuan of technical transactions.
    assert commission.technical_amount == Decimal("1000000")
    assert commission.share_amount == Decimal("30000.00")
    assert commission.amount_due == Decimal("35000.00")
    assert commission.mandate == mandate
    event = OutcomeEvent.objects.get(name=N.COMMISSION_DUE)
    assert event.amount == Decimal("35000.00")
    assert event.organization == world.university
    assert event.counterpart == world.enterprise
    assert Notification.objects.filter(user=mandate.manager, topic="mandate").exists()
    assert Notification.objects.filter(user=world.scientist, topic="mandate").exists()
    from managers.services import commissions_compute

    assert commissions_compute(deal=deal) == []
    assert Commission.objects.count() == 1


def test_no_commission_without_a_mandate_in_force_when_the_contract_was_signed(
    world, conversation, manager
):
    late = mandate_accept(
        actor=act(manager.user),
        mandate=offer(
            world,
            manager,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=90),
        ),
    )
    verified_deal(world, conversation)  # signed three days before the mandate started
    assert not Commission.objects.filter(mandate=late).exists()


def test_no_commission_for_a_mandate_on_another_listing(world, conversation, manager):
    other = AchievementFactory(organization=world.university, title="另一项成果")
    mandate_accept(actor=act(manager.user), mandate=offer(world, manager, listings=[other]))
    verified_deal(world, conversation)
    assert not Commission.objects.exists()


def test_a_rejected_registration_computes_nothing(world, conversation, mandate):
    deal = deal_open(actor=act(world.owner), conversation=conversation)
    put_at(deal, Stage.REGISTERED)
    deal_transition(
        actor=act(world.staff), deal=deal, action="reject_registration", note="编号不符"
    )
    assert not Commission.objects.exists()


# --- the manager's record and standing ---------------------------------------------------


def test_the_managers_standing_is_computed_from_the_brokered_deals(
    world, conversation, mandate, settings
):
    manager = mandate.manager.manager_profile
    settings.CREDIT_MIN_EVENTS = 2
    standing = manager_credit_compute(profile=manager)
    assert standing.lines == [] and standing.score is None
    deal = verified_deal(world, conversation)
    standing = manager_credit_compute(profile=manager)
    assert [line.name for line in standing.lines] == [N.COMMISSION_DUE]
    assert standing.score is None  # one event: not enough history
    OutcomeEvent.objects.create(
        name=N.DEAL_TERMINATED,
        subject_type="deal",
        subject_id=deal.pk,
        organization=world.enterprise,
        occurred_at=timezone.now(),
    )
    # Another deal's termination does not touch this manager.
    OutcomeEvent.objects.create(
        name=N.DEAL_TERMINATED,
        subject_type="deal",
        subject_id=deal.pk + 1000,
        organization=world.enterprise,
        occurred_at=timezone.now(),
    )
    standing = manager_credit_compute(profile=manager)
    assert sorted(line.points for line in standing.lines) == [-3, 4]
    assert standing.score is not None and standing.level
    record = manager_record(profile=manager)
    assert record == {
        "mandates": 1,
        "mandates_in_force": 1,
        "organizations": 1,
        "deals_registered": 1,
    }


def test_an_old_brokered_deal_weighs_less_and_leaves_the_window(
    world, conversation, mandate, settings
):
    manager = mandate.manager.manager_profile
    verified_deal(world, conversation)
    now = timezone.now()
    fresh = manager_credit_compute(profile=manager, at=now).lines[0].weight
    later = manager_credit_compute(profile=manager, at=now + timedelta(days=365)).lines[0].weight
    assert later < fresh
    gone = manager_credit_compute(
        profile=manager, at=now + timedelta(days=settings.CREDIT_WINDOW_DAYS + 1)
    )
    assert gone.lines == []


def test_a_needs_owner_can_mandate_its_need_too(world, conversation):
    manager = make_manager(world.staff, username="mgr_need", name="陈经理")
    from managers.services import mandate_offer

    mandate = mandate_offer(
        actor=act(world.owner),
        organization=world.enterprise,
        manager=manager,
        listings=[world.need, NeedFactory(organization=world.enterprise)],
        scope_note="代表企业寻找解决方案并谈判。",
        base_fee=Decimal("0"),
        success_share=Decimal("2"),
        cap=None,
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() + timedelta(days=30),
    )
    mandate_accept(actor=act(manager.user), mandate=mandate)
    deal = verified_deal(world, conversation)
    commission = Commission.objects.get(deal=deal)
    assert commission.amount_due == Decimal("20000.00")
    assert OutcomeEvent.objects.get(name=N.COMMISSION_DUE).counterpart == world.university


def test_a_page_of_standings_and_records_equals_each_computed_alone(world, conversation, mandate):
    from managers.selectors import manager_records, manager_standings

    verified_deal(world, conversation)
    other = make_manager(world.staff, username="mgr_other", name="吴经理")
    profiles = [mandate.manager.manager_profile, other]
    at = timezone.now()
    together = manager_standings(user_ids=[p.user_id for p in profiles], at=at)
    records = manager_records(user_ids=[p.user_id for p in profiles])
    for profile in profiles:
        alone = manager_credit_compute(profile=profile, at=at)
        assert together[profile.user_id].lines == alone.lines
        assert records[profile.user_id] == manager_record(profile=profile)
    assert [line.name for line in together[profile.user_id].lines] == []


def test_the_directory_reads_a_page_in_the_same_queries_however_many_managers(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_manager(world.staff, username="mgr_a", name="甲经理")
    with CaptureQueriesContext(connection) as one:
        client.get("/managers/")
    for n in range(4):
        make_manager(world.staff, username=f"mgr_b{n}", name=f"乙经理{n}")
    with CaptureQueriesContext(connection) as five:
        client.get("/managers/")
    assert len(five) == len(one)
