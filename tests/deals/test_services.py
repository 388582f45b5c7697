"""Deals beyond the table: opening, the contract's rules, two-sided confirmations that follow the
terms, milestones, documents kept private, and the dormancy timer run twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from conversations.models import Conversation
from deals.models import Confirmation, Contract, Deal, Milestone, Stage
from deals.selectors import deal_available_actions, deal_get, deal_list_visible, document_get
from deals.services import (
    contract_save,
    deal_open,
    deal_open_for_match,
    deal_transition,
    deals_keep_alive,
    document_upload,
    milestone_deliver,
    milestone_review,
    milestone_save,
)
from deals.transitions import Action
from notifications.models import Notification
from outcomes.models import OutcomeEvent
from tests.deals.conftest import act, put_at

TERMS = {
    "contract_type": "license_ordinary",
    "total_amount": Decimal("150"),
    "non_technical_amount": Decimal("30"),
    "payment_terms": "instalments",
    "signed_on": date.today(),
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_deal_opens_with_the_need_as_demand_side_and_is_recorded(world, conversation):
    deal = deal_open(actor=act(world.scientist), conversation=conversation)
    assert (deal.demand_party, deal.supply_party) == (world.enterprise, world.university)
    assert deal.need_id == world.need.pk and deal.match == world.match and deal.stage == Stage.LEAD
    event = OutcomeEvent.objects.get(name="deal.opened", subject_id=deal.pk)
    assert event.data["need"] == world.need.pk and event.organization_id == world.university.pk
    # The other side is told; the side that opened it is not.
    assert Notification.objects.filter(user=world.owner, topic="deal").exists()
    assert not Notification.objects.filter(user=world.scientist, topic="deal").exists()


def test_one_open_deal_per_conversation_and_only_parties_open_one(world, conversation, deal):
    with pytest.raises(ValidationError):
        deal_open(actor=act(world.scientist), conversation=conversation)
    deal_transition(actor=act(world.owner), deal=deal, action="lose", reason="price")
    assert deal_open(actor=act(world.scientist), conversation=conversation).pk != deal.pk
    with pytest.raises(PermissionDenied):
        deal_open(actor=act(world.staff), conversation=conversation)


def test_a_match_opens_a_deal_only_once_both_sides_are_interested(world):
    with pytest.raises(ValidationError):
        deal_open_for_match(actor=act(world.owner), match=world.match)


def test_match_deal_after_both_answers(world, conversation):
    deal = deal_open_for_match(actor=act(world.owner), match=world.match)
    assert deal.origin == Deal.Origin.MATCH and deal.conversation == conversation


@pytest.mark.parametrize(
    "change,field",
    [
        ({"total_amount": Decimal("-1")}, "total_amount"),
        ({"non_technical_amount": Decimal("200")}, "non_technical_amount"),
        ({"equity_contribution": True}, "equity_contribution"),
        ({"ends_on": date.today() - timedelta(days=1)}, "ends_on"),
        ({"contract_type": "sale"}, "contract_type"),
        ({"payment_terms": ""}, "payment_terms"),
    ],
)
def test_bad_terms_name_the_field_and_keep_what_was_saved(world, deal, change, field):
    put_at(deal, Stage.NEGOTIATION)
    saved = Contract.objects.get(deal=deal).total_amount
    with pytest.raises(ValidationError) as refused:
        contract_save(actor=act(world.owner), deal=deal, **{**TERMS, **change})
    assert field in refused.value.message_dict
    assert Contract.objects.get(deal=deal).total_amount == saved


def test_technical_amount_is_total_less_equipment(world, deal):
    put_at(deal, Stage.NEGOTIATION)
    contract = contract_save(actor=act(world.owner), deal=deal, **TERMS)
    assert contract.technical_amount == Decimal("120")


def test_changing_the_terms_withdraws_the_signatures(world, deal):
    put_at(deal, Stage.NEGOTIATION)
    contract_save(actor=act(world.owner), deal=deal, **TERMS)
    deal_transition(actor=act(world.owner), deal=deal, action=Action.SIGN)
    contract_save(actor=act(world.scientist), deal=deal, **{**TERMS, "total_amount": Decimal("99")})
    assert not Confirmation.objects.filter(deal=deal, action="sign").exists()
    deal_transition(actor=act(world.scientist), deal=deal, action=Action.SIGN)
    assert Deal.objects.get(pk=deal.pk).stage == Stage.NEGOTIATION
    deal_transition(actor=act(world.owner), deal=deal, action=Action.SIGN)
    signed = Deal.objects.get(pk=deal.pk)
    assert signed.stage == Stage.SIGNED
    event = OutcomeEvent.objects.get(name="deal.signed", subject_id=deal.pk)
    assert event.amount == Decimal("69") and event.data["contract_type"] == "license_ordinary"
    with pytest.raises(ValidationError) as refused:
        contract_save(actor=act(world.owner), deal=deal, total_amount=Decimal("1"))
    assert "contract_type" in refused.value.message_dict


def test_signing_needs_the_contract(world, deal):
    deal_transition(actor=act(world.owner), deal=deal, action=Action.NEGOTIATE)
    with pytest.raises(ValidationError) as refused:
        deal_transition(actor=act(world.owner), deal=deal, action=Action.SIGN)
    assert "contract" in refused.value.message_dict


@pytest.mark.parametrize(
    "number,registered_on,field",
    [
        ("2026-33-01", date.today(), "registration_number"),
        ("20269901000001234", date.today(), "registration_number"),  # 17 digits
        ("2026990100000123", date.today(), "registration_number"),  # province 99
        ("2019330100000123", date(2026, 5, 1), "registration_number"),  # another year
        ("{year}330100000123", date.today() - timedelta(days=30), "registered_on"),  # < signing
    ],
)
def test_registration_rules(world, deal, number, registered_on, field):
    put_at(deal, Stage.SIGNED)
    Contract.objects.filter(deal=deal).update(
        registration_number="", registered_on=None, signed_on=date.today() - timedelta(days=3)
    )
    with pytest.raises(ValidationError) as refused:
        contract_save(
            actor=act(world.owner),
            deal=deal,
            registration_number=number.format(year=registered_on.year),
            registered_on=registered_on,
        )
    assert field in refused.value.message_dict
    assert Contract.objects.get(deal=deal).registration_number == ""


def test_registration_is_verified_by_the_regions_staff_only(world, deal):
    put_at(deal, Stage.SIGNED)
    Contract.objects.filter(deal=deal).update(registration_number="", registered_on=None)
    contract_save(
        actor=act(world.scientist),
        deal=deal,
        registration_number=f"{date.today().year}330100000777",
        registered_on=date.today(),
    )
    deal = deal_transition(actor=act(world.scientist), deal=deal, action=Action.REGISTER)
    assert deal.stage == Stage.REGISTERED
    assert Action.VERIFY_REGISTRATION in deal_available_actions(actor=act(world.staff), deal=deal)
    assert deal_available_actions(actor=act(world.far_staff), deal=deal) == []
    deal_transition(actor=act(world.staff), deal=deal, action=Action.VERIFY_REGISTRATION)
    contract = Contract.objects.get(deal=deal)
    assert contract.registration_status == "verified"
    assert contract.registration_checked_by == world.staff
    event = OutcomeEvent.objects.get(name="deal.registration_verified", subject_id=deal.pk)
    assert event.amount == contract.technical_amount


def test_milestones_delivered_by_supply_accepted_by_demand(world, deal):
    put_at(deal, Stage.NEGOTIATION)
    milestone = milestone_save(
        actor=act(world.owner), deal=deal, title="样机验收", due_on=date.today()
    )
    Deal.objects.filter(pk=deal.pk).update(stage=Stage.EXECUTING)
    with pytest.raises(PermissionDenied):
        milestone_deliver(actor=act(world.owner), milestone=milestone, note="交付")
    with pytest.raises(ValidationError) as refused:
        milestone_deliver(actor=act(world.scientist), milestone=milestone)
    assert "note" in refused.value.message_dict
    milestone_deliver(actor=act(world.scientist), milestone=milestone, note="样机及测试报告")
    with pytest.raises(ValidationError):
        milestone_review(actor=act(world.owner), milestone=milestone, accept=False)
    milestone_review(actor=act(world.owner), milestone=milestone, accept=False, note="缺少测试报告")
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.PLANNED
    milestone_deliver(actor=act(world.scientist), milestone=milestone, note="补充测试报告")
    milestone_review(actor=act(world.owner), milestone=milestone, accept=True)
    assert Milestone.objects.get(pk=milestone.pk).status == Milestone.Status.ACCEPTED
    names = list(
        OutcomeEvent.objects.filter(
            subject_id=deal.pk, name__startswith="deal.milestone"
        ).values_list("name", flat=True)
    )
    assert names == [
        "deal.milestone_delivered",
        "deal.milestone_rejected",
        "deal.milestone_delivered",
        "deal.milestone_accepted",
    ]


def test_completion_waits_for_every_milestone(world, deal):
    put_at(deal, Stage.EXECUTING)
    Milestone.objects.create(deal=deal, title="量产", due_on=date.today())
    with pytest.raises(ValidationError) as refused:
        deal_transition(actor=act(world.owner), deal=deal, action=Action.COMPLETE)
    assert "milestones" in refused.value.message_dict


def test_documents_are_seen_by_the_parties_and_the_regions_staff_only(world, deal):
    document = document_upload(
        actor=act(world.scientist),
        deal=deal,
        kind="contract",
        file=SimpleUploadedFile("技术许可合同.pdf", PDF),
    )
    for user in (world.owner, world.colleague, world.scientist, world.staff):
        assert document_get(actor=act(user), pk=document.pk) == document
    for user in (world.stranger, world.far_staff):
        with pytest.raises(Http404):
            document_get(actor=act(user), pk=document.pk)
        with pytest.raises(Http404):
            deal_get(actor=act(user), pk=deal.pk)
        assert not deal_list_visible(actor=act(user)).exists()
    with pytest.raises(PermissionDenied):
        document_upload(
            actor=act(world.staff), deal=deal, kind="other", file=SimpleUploadedFile("a.pdf", PDF)
        )


def test_a_disguised_document_is_refused(world, deal):
    with pytest.raises(ValidationError) as refused:
        document_upload(
            actor=act(world.owner),
            deal=deal,
            kind="nda",
            file=SimpleUploadedFile("保密协议.pdf", b"<html><script>alert(1)</script>"),
        )
    assert "file" in refused.value.message_dict


def test_the_dormancy_timer_nudges_then_marks_dormant_once(world, deal):
    now = timezone.now()
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=now - timedelta(days=24))
    assert deals_keep_alive() == {"nudged": 1, "dormant": 0}
    assert deals_keep_alive() == {"nudged": 0, "dormant": 0}
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=now - timedelta(days=31))
    assert deals_keep_alive() == {"nudged": 0, "dormant": 1}
    assert deals_keep_alive() == {"nudged": 0, "dormant": 0}
    dormant = Deal.objects.get(pk=deal.pk)
    assert dormant.stage == Stage.DORMANT and dormant.stage_before_dormant == Stage.LEAD
    assert OutcomeEvent.objects.filter(name="deal.dormant", subject_id=deal.pk).count() == 1
    assert OutcomeEvent.objects.get(name="deal.dormant").actor is None
    # A party resumes it where it was; the quiet clock restarts.
    deal_transition(actor=act(world.owner), deal=dormant, action=Action.RESUME)
    resumed = Deal.objects.get(pk=deal.pk)
    assert resumed.stage == Stage.LEAD and resumed.nudged_at is None
    assert deals_keep_alive() == {"nudged": 0, "dormant": 0}


def test_signed_deals_never_fall_dormant(world, deal):
    put_at(deal, Stage.SIGNED)
    assert deals_keep_alive() == {"nudged": 0, "dormant": 0}


def test_a_message_in_the_conversation_keeps_the_deal_awake(world, deal):
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=timezone.now() - timedelta(days=40))
    Conversation.objects.filter(pk=deal.conversation_id).update(
        last_message_at=timezone.now() - timedelta(days=2)
    )
    assert deals_keep_alive() == {"nudged": 0, "dormant": 0}
    with pytest.raises(ValidationError):
        deal_transition(actor=None, deal=deal, action=Action.GO_DORMANT)


def test_accepting_the_nda_records_which_agreement(world, deal):
    deal_transition(actor=act(world.owner), deal=deal, action=Action.PROPOSE_NDA)
    deal_transition(actor=act(world.owner), deal=deal, action=Action.ACCEPT_NDA)
    document = document_upload(
        actor=act(world.scientist),
        deal=deal,
        kind="nda",
        file=SimpleUploadedFile("院方保密协议.pdf", PDF),
    )
    deal_transition(actor=act(world.scientist), deal=deal, action=Action.ACCEPT_NDA)
    terms = dict(
        Confirmation.objects.filter(deal=deal, action="accept_nda").values_list(
            "organization_id", "terms"
        )
    )
    assert terms[world.enterprise.pk] == {"nda": "techbridge-nda-2026-1"}
    assert terms[world.university.pk] == {"nda_document": document.pk, "name": "院方保密协议.pdf"}
    assert Deal.objects.get(pk=deal.pk).stage == Stage.NEGOTIATION
