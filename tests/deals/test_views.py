"""The deal's pages through the Django test client: who sees what (and who gets 404), a deal
walked from the conversation to completion by posting the pages' forms, every form's bad input
coming back with its Chinese error and what was typed, and the documents' permission check."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext

from deals.models import Contract, Deal, DealDocument, Milestone, Stage
from deals.services import deal_transition, document_upload
from tests.deals.conftest import act, put_at

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
CJK = re.compile(r"[\u4e00-\u9fff]")


def pdf(name="交付说明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def html(response):
    return response.content.decode()


def field_errors(page, name):
    return re.findall(rf'data-field="{name}">(.*?)</div>', page)


def user_of(world, role):
    return {
        "demand": world.owner,
        "supply": world.scientist,
        "staff": world.staff,
        "far_staff": world.far_staff,
        "stranger": world.stranger,
        "anonymous": None,
    }[role]


@pytest.fixture
def document(world, deal):
    return document_upload(actor=act(world.owner), deal=deal, file=pdf("保密协议.pdf"), kind="nda")


# --- who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["demand", "supply", "staff", "far_staff", "stranger", "anonymous"]
)
def test_each_role_sees_the_pages_or_nothing(client, world, deal, document, role):
    user = user_of(world, role)
    if user is not None:
        client.force_login(user)
    detail = deal.get_absolute_url()
    download = reverse("deals:document_download", args=[document.pk])
    edit = reverse("deals:milestone_edit", args=[deal.pk, 1])
    lists = reverse("deals:list")
    if role == "anonymous":
        for url in (detail, download, lists, edit):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response.url, url
        return
    if role in ("far_staff", "stranger"):
        for url in (detail, download, edit):
            assert client.get(url).status_code == 404, url
        assert f'id="deal-{deal.pk}"' not in html(client.get(lists))
        assert f'id="deal-{deal.pk}"' not in html(client.get(lists + "?box=oversight"))
        return
    page = html(client.get(detail))
    assert deal.title in page
    assert world.enterprise.name in page and world.university.name in page
    assert gettext("demand side") in page and gettext("supply side") in page
    assert 'id="deal-progress"' in page and 'id="deal-history"' in page
    response = client.get(download)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF
    if role == "staff":
        assert 'id="oversight-note"' in page
        # Read-only: no form of the parties', no party's step.
        assert 'id="contract-form"' not in page and 'id="document-form"' not in page
        assert 'id="form-lose"' not in page
        assert f'id="deal-{deal.pk}"' in html(client.get(lists + "?box=oversight"))
        assert f'id="deal-{deal.pk}"' not in html(client.get(lists))
    else:
        assert 'id="oversight-note"' not in page
        assert 'id="contract-form"' in page and 'id="form-propose_nda"' in page
        listing = html(client.get(lists))
        assert f'id="deal-{deal.pk}"' in listing
        other = world.university if role == "demand" else world.enterprise
        assert other.name in listing
        # The stage filter keeps or hides it.
        assert f'id="deal-{deal.pk}"' in html(client.get(lists + "?stage=lead"))
        assert f'id="deal-{deal.pk}"' not in html(client.get(lists + "?stage=signed"))


def test_staff_registration_queue_lists_pending_registrations_of_their_region(client, world, deal):
    queue = reverse("deals:list") + "?box=registrations"
    client.force_login(world.staff)
    assert f'id="deal-{deal.pk}"' not in html(client.get(queue))
    put_at(deal, Stage.REGISTERED)  # its registration awaits verification
    page = html(client.get(queue))
    assert f'id="deal-{deal.pk}"' in page
    assert deal.contract.registration_number in page
    client.force_login(world.far_staff)
    assert f'id="deal-{deal.pk}"' not in html(client.get(queue))
    # A member is not staff: the box is theirs, not the queue.
    client.force_login(world.stranger)
    assert 'id="tab-registrations"' not in html(client.get(queue))


# --- a deal from the conversation to completion --------------------------------------------


def _act(client, deal, action, **data):
    return client.post(reverse("deals:act", args=[deal.pk]), {"action": action, **data})


def _stage(deal):
    deal.refresh_from_db()
    return deal.stage


def test_a_deal_walked_through_the_pages_from_open_to_completed(client, world, conversation):
    owner, scientist = world.owner, world.scientist
    today = date.today()
    client.force_login(owner)
    page = html(client.get(conversation.get_absolute_url()))
    assert 'id="deal-open-form"' in page
    response = client.post(
        reverse("deals:open", args=[conversation.pk]), {"title": "红外开关技术许可"}
    )
    deal = Deal.objects.get(conversation=conversation)
    assert response.status_code == 302 and response.url == deal.get_absolute_url()
    assert deal.title == "红外开关技术许可" and deal.demand_party == world.enterprise
    # The conversation and the match now lead to it.
    assert 'id="deal-link"' in html(client.get(conversation.get_absolute_url()))
    assert deal.get_absolute_url() in html(client.get(world.match.get_absolute_url()))

    assert _act(client, deal, "propose_nda").status_code == 302 and _stage(deal) == Stage.NDA
    page = html(client.get(deal.get_absolute_url()))
    assert 'id="nda-standard"' in page and "保密信息" in page
    _act(client, deal, "accept_nda")
    assert _stage(deal) == Stage.NDA
    page = html(client.get(deal.get_absolute_url()))
    assert 'class="small mb-0 text-muted waiting-other-side"' in page
    client.force_login(scientist)
    _act(client, deal, "accept_nda")
    assert _stage(deal) == Stage.NEGOTIATION

    response = client.post(
        reverse("deals:contract", args=[deal.pk]),
        {
            "contract_type": "license_ordinary",
            "total_amount": "120",
            "non_technical_amount": "20",
            "payment_terms": "instalments",
            "payment_note": "签约后付 50%，验收后付 50%",
            "signed_on": (today - timedelta(days=3)).isoformat(),
            "ends_on": (today + timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Contract.objects.get(deal=deal).technical_amount == 100
    response = client.post(
        reverse("deals:milestone_add", args=[deal.pk]),
        {
            "title": "样机交付",
            "due_on": (today + timedelta(days=30)).isoformat(),
            "amount": "60",
            "acceptance_criteria": "红外感应距离不低于 3 米",
        },
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(deal=deal)

    _act(client, deal, "sign")
    client.force_login(owner)
    page = html(client.get(deal.get_absolute_url()))
    assert page.count("✓ ") == 1  # the supply side has confirmed the signing, not yet the demand
    _act(client, deal, "sign")
    assert _stage(deal) == Stage.SIGNED
    page = html(client.get(deal.get_absolute_url()))
    assert 'id="contract-form"' not in page and 'id="contract-technical-amount"' in page

    registered_on = today - timedelta(days=1)
    response = client.post(
        reverse("deals:registration", args=[deal.pk]),
        {
            "registration_number": f"{registered_on.year}330100000123",
            "registered_on": registered_on.isoformat(),
        },
    )
    assert response.status_code == 302 and _stage(deal) == Stage.REGISTERED
    client.force_login(world.staff)
    assert 'id="form-verify_registration"' in html(client.get(deal.get_absolute_url()))
    _act(client, deal, "verify_registration")
    assert Contract.objects.get(deal=deal).registration_status == Contract.Registration.VERIFIED
    # Nothing is left to check: the staff's steps are gone, the parties' form too.
    assert 'id="form-verify_registration"' not in html(client.get(deal.get_absolute_url()))

    client.force_login(owner)
    _act(client, deal, "start")
    assert _stage(deal) == Stage.EXECUTING
    assert 'id="registration-form"' not in html(client.get(deal.get_absolute_url()))
    client.force_login(scientist)
    response = client.post(
        reverse("deals:milestone_deliver", args=[deal.pk, milestone.pk]),
        {"note": "样机两台已寄出", "files": [pdf()]},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.DELIVERED
    assert milestone.documents.get().kind == DealDocument.Kind.DELIVERY
    client.force_login(owner)
    response = client.post(
        reverse("deals:milestone_review", args=[deal.pk, milestone.pk]),
        {"decision": "accept", "note": "验收合格"},
    )
    assert response.status_code == 302
    _act(client, deal, "complete")
    client.force_login(scientist)
    _act(client, deal, "complete")
    assert _stage(deal) == Stage.COMPLETED
    page = html(client.get(deal.get_absolute_url()))
    assert page.count("deal-step-done") == 7
    # Every step is on the timeline.
    assert page.count('class="deal-timeline-item"') >= 14


# --- bad input -----------------------------------------------------------------------------

TODAY = date.today()
CONTRACT = {
    "contract_type": "transfer",
    "total_amount": "100",
    "non_technical_amount": "10",
    "payment_terms": "lump_sum",
    "signed_on": "",
    "ends_on": "",
}
# (stage, url name, posted, field with the error (None: the form's), the value kept)
BAD = {
    "amount not a number": (
        Stage.NEGOTIATION,
        "deals:contract",
        {**CONTRACT, "total_amount": "一百万"},
        "total_amount",
        'value="一百万"',
    ),
    "amount negative": (
        Stage.NEGOTIATION,
        "deals:contract",
        {**CONTRACT, "total_amount": "-5"},
        "total_amount",
        'value="-5"',
    ),
    "equipment over the total": (
        Stage.NEGOTIATION,
        "deals:contract",
        {**CONTRACT, "non_technical_amount": "150"},
        "non_technical_amount",
        'value="150"',
    ),
    "term ends before signing": (
        Stage.LEAD,
        "deals:contract",
        {**CONTRACT, "signed_on": "2026-03-01", "ends_on": "2026-02-01"},
        "ends_on",
        'value="2026-02-01"',
    ),
    "registration number in the wrong format": (
        Stage.SIGNED,
        "deals:registration",
        {"registration_number": "ABC-123", "registered_on": TODAY.isoformat()},
        "registration_number",
        'value="ABC-123"',
    ),
    "registered before signing": (
        Stage.SIGNED,
        "deals:registration",
        {
            "registration_number": f"{TODAY.year}330100000124",
            "registered_on": (TODAY - timedelta(days=30)).isoformat(),
        },
        "registered_on",
        f'value="{TODAY.year}330100000124"',
    ),
    "milestone amount negative": (
        Stage.NEGOTIATION,
        "deals:milestone_add",
        {"title": "中试验证", "due_on": "2026-06-30", "amount": "-1"},
        "amount",
        'value="中试验证"',
    ),
    "lose without a reason": (
        Stage.NEGOTIATION,
        "deals:act",
        {"action": "lose", "reason": "", "note": "对方迟迟不报价"},
        "reason",
        "对方迟迟不报价</textarea>",
    ),
    "step out of order": (
        Stage.LEAD,
        "deals:act",
        {"action": "complete"},
        None,
        None,
    ),
    "document without a kind": (
        Stage.LEAD,
        "deals:document_upload",
        {"kind": ""},
        "kind",
        None,
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_comes_back_with_the_fields_chinese_error_and_what_was_typed(
    client, world, deal, case
):
    stage, name, data, field, kept = BAD[case]
    deal = put_at(deal, stage)
    before = list(Contract.objects.filter(deal=deal).values())
    client.force_login(world.owner)
    response = client.post(reverse(name, args=[deal.pk]), data)
    assert response.status_code == 400
    page = html(response)
    if field is None:
        errors = re.findall(
            r'<div class="alert alert-danger py-2 small" role="alert"><div>(.*?)<', page
        )
    else:
        errors = field_errors(page, field)
    assert errors and all(CJK.search(error) for error in errors), (case, errors)
    assert field is None or len(errors) == 1, (case, errors)  # one reason, not two
    if kept is not None:
        assert kept in page, case
    # Nothing was changed.
    assert list(Contract.objects.filter(deal=deal).values()) == before
    assert _stage(deal) == stage


def test_a_refused_step_is_403_for_the_staff_and_a_message_for_a_party(client, world, deal):
    deal = put_at(deal, Stage.REGISTERED)
    client.force_login(world.staff)
    assert _act(client, deal, "start").status_code == 403
    client.force_login(world.owner)
    response = _act(client, deal, "verify_registration", note="")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages and CJK.search(messages[0])
    assert _stage(deal) == Stage.REGISTERED


def test_only_the_supply_side_delivers_and_the_demand_side_must_say_why_it_sends_back(
    client, world, deal
):
    deal = put_at(deal, Stage.EXECUTING)
    milestone = Milestone.objects.create(deal=deal, title="软件交付", due_on=TODAY)
    deliver = reverse("deals:milestone_deliver", args=[deal.pk, milestone.pk])
    client.force_login(world.owner)
    assert client.post(deliver, {"note": "已交付"}).status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.PLANNED
    client.force_login(world.scientist)
    response = client.post(deliver, {"note": ""})
    assert response.status_code == 400 and field_errors(html(response), "note")
    client.post(deliver, {"note": "源代码与说明书"})
    client.force_login(world.owner)
    response = client.post(
        reverse("deals:milestone_review", args=[deal.pk, milestone.pk]),
        {"decision": "return", "note": ""},
    )
    assert response.status_code == 400 and field_errors(html(response), "note")
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.DELIVERED


def test_a_milestone_is_edited_and_deleted_before_signing_only(client, world, deal):
    milestone = Milestone.objects.create(deal=deal, title="方案设计", due_on=TODAY)
    edit = reverse("deals:milestone_edit", args=[deal.pk, milestone.pk])
    client.force_login(world.scientist)
    assert 'value="方案设计"' in html(client.get(edit))
    response = client.post(edit, {"title": "方案设计", "due_on": "31/02/2026"})
    assert response.status_code == 400 and field_errors(html(response), "due_on")
    assert 'value="31/02/2026"' in html(response)
    response = client.post(edit, {"title": "方案设计与评审", "due_on": "2026-06-30"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.title == "方案设计与评审"
    put_at(deal, Stage.SIGNED)
    delete = reverse("deals:milestone_delete", args=[deal.pk, milestone.pk])
    assert client.post(delete).status_code == 302
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert 'id="milestone-form"' not in html(client.get(deal.get_absolute_url()))


@pytest.mark.parametrize(
    "stage,reached", [(Stage.LOST, Stage.NDA), (Stage.TERMINATED, Stage.EXECUTING)]
)
def test_a_closed_deal_shows_where_it_stopped_and_why(client, world, deal, stage, reached):
    deal = put_at(deal, reached)
    action = "lose" if stage == Stage.LOST else "terminate"
    deal_transition(
        actor=act(world.scientist), deal=deal, action=action, reason="price", note="报价差距过大"
    )
    client.force_login(world.owner)
    page = html(client.get(deal.get_absolute_url()))
    assert 'id="deal-ended"' in page and "报价差距过大" in page
    steps = re.findall(r'class="deal-step deal-step-(\w+)"', page)
    assert steps.index("stopped") == [
        Stage.LEAD,
        Stage.NDA,
        Stage.NEGOTIATION,
        Stage.SIGNED,
        Stage.REGISTERED,
        Stage.EXECUTING,
        Stage.COMPLETED,
    ].index(reached)
    # Nothing more to do: no step, no form to change the deal.
    assert 'id="deal-actions"' not in page and 'id="document-form"' not in page
    # The conversation may open another deal.
    assert 'id="deal-open-form"' in html(client.get(deal.conversation.get_absolute_url()))
