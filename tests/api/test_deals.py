"""The API of deals, checked against api/openapi.yaml: a whole deal driven by the two parties'
programs and the CAST office's, the web's object permissions, bad input named by field, and the
webhook the other party's program receives."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.models import Contract, Deal, DealDocument, Milestone, Stage
from organizations.models import ApiToken, Membership
from organizations.selectors import actor_for
from tests.conversations import conftest as conversations_fixtures
from tests.conversations.test_messages import PDF, pdf
from tests.deals import conftest as deals_fixtures
from tests.deals.conftest import put_at
from tests.factories import api_token_for
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

# The conversations' world (an enterprise's need, a university's achievement, their approved
# match and its conversation) and the deal the enterprise opened in it.
world = conversations_fixtures.world
conversation = conversations_fixtures.conversation
deal = deals_fixtures.deal

BASE = "/api/v1/deals/"


def call(client, method, path, key=None, data=None, multipart=False):
    """One request to the API, with a party's token when `key` is given."""
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    url = path if path.startswith("/") else BASE + path
    if method == "get":
        return client.get(url, data or {}, **headers)
    if multipart:
        return client.post(url, data, **headers)
    return getattr(client, method)(
        url, {} if data is None else data, content_type="application/json", **headers
    )


def office_of(user):
    return Membership.objects.get(user=user).organization


@pytest.fixture
def keys(world):
    """The two parties' programs (every scope), and the Hangzhou office's reviewing one."""
    _token, demand = api_token_for(world.enterprise, user=world.owner)
    _token, supply = api_token_for(world.university, user=world.scientist)
    _token, office = api_token_for(office_of(world.staff), scopes=[ApiToken.Scope.REVIEW])
    return SimpleNamespace(demand=demand, supply=supply, office=office)


def step(client, key, deal_id, action, **extra):
    return call(client, "post", f"{deal_id}/transition/", key, {"action": action, **extra})


def test_a_whole_deal_through_the_api_alone(client, world, conversation, keys):
    today = timezone.localdate()
    opened = call(
        client, "post", "", keys.demand, {"conversation": conversation.pk, "title": "红外开关改进"}
    )
    assert opened.status_code == 201, opened.json()
    body = opened.json()
    deal_id = body["id"]
    assert (body["stage"], body["origin"], body["your_side"]) == ("lead", "conversation", "demand")
    assert (body["demand_party"]["id"], body["supply_party"]["id"]) == (
        world.enterprise.pk,
        world.university.pk,
    )
    assert body["available_actions"] == ["propose_nda", "negotiate", "lose"]
    assert body["contract"] is None and body["milestones"] == []
    # One live deal per conversation.
    again = call(client, "post", "", keys.supply, {"conversation": conversation.pk})
    assert again.status_code == 409 and again.json()["code"] == "conflict"

    assert step(client, keys.supply, deal_id, "propose_nda").json()["stage"] == "nda"
    waiting = step(client, keys.demand, deal_id, "accept_nda").json()
    assert waiting["stage"] == "nda"
    assert [c["organization"]["id"] for c in waiting["confirmations"]] == [world.enterprise.pk]
    assert "accept_nda" not in waiting["available_actions"]
    supply_view = call(client, "get", f"{deal_id}/", keys.supply).json()
    assert supply_view["your_side"] == "supply" and "accept_nda" in supply_view["available_actions"]
    assert step(client, keys.supply, deal_id, "accept_nda").json()["stage"] == "negotiation"

    contract = call(
        client,
        "put",
        f"{deal_id}/contract/",
        keys.demand,
        {
            "contract_type": "license_ordinary",
            "total_amount": "120.00",
            "non_technical_amount": "20",
            "payment_terms": "instalments",
            "signed_on": (today - timedelta(days=2)).isoformat(),
        },
    )
    assert contract.status_code == 200, contract.json()
    assert contract.json()["technical_amount"] == "100.00"
    first = call(
        client,
        "post",
        f"{deal_id}/milestones/",
        keys.supply,
        {"title": "样机交付", "due_on": (today + timedelta(days=30)).isoformat(), "amount": "50"},
    )
    assert first.status_code == 201, first.json()
    milestone_id = first.json()["id"]
    extra = call(
        client,
        "post",
        f"{deal_id}/milestones/",
        keys.demand,
        {"title": "培训", "due_on": today.isoformat()},
    ).json()
    renamed = call(
        client,
        "patch",
        f"{deal_id}/milestones/{extra['id']}/",
        keys.demand,
        {"title": "现场培训"},
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "现场培训"
    assert (
        call(client, "delete", f"{deal_id}/milestones/{extra['id']}/", keys.demand).status_code
        == 204
    )
    assert list(Milestone.objects.filter(deal_id=deal_id).values_list("pk", flat=True)) == [
        milestone_id
    ]

    assert step(client, keys.demand, deal_id, "sign").json()["stage"] == "negotiation"
    assert step(client, keys.supply, deal_id, "sign").json()["stage"] == "signed"
    registration = call(
        client,
        "patch",
        f"{deal_id}/contract/",
        keys.supply,
        {"registration_number": f"{today.year}330100000123", "registered_on": today.isoformat()},
    )
    assert registration.status_code == 200, registration.json()
    registered = step(client, keys.demand, deal_id, "register").json()
    assert registered["stage"] == "registered"
    assert registered["contract"]["registration_status"] == "pending"

    # The office's program, with the review scope alone, finds it and verifies it.
    pending = call(client, "get", "", keys.office, {"registration": "pending"}).json()
    assert [row["id"] for row in pending["results"]] == [deal_id]
    assert pending["results"][0]["your_side"] is None
    office_view = call(client, "get", f"{deal_id}/", keys.office).json()
    assert office_view["available_actions"] == ["verify_registration", "reject_registration"]
    verified = step(client, keys.office, deal_id, "verify_registration", note="与登记系统一致")
    assert verified.status_code == 200, verified.json()
    assert verified.json()["contract"]["registration_status"] == "verified"
    assert verified.json()["stage"] == "registered"

    assert step(client, keys.supply, deal_id, "start").json()["stage"] == "executing"
    uploaded = call(
        client,
        "post",
        f"{deal_id}/documents/",
        keys.supply,
        {"file": pdf("样机测试报告.pdf"), "kind": "delivery", "milestone": milestone_id},
        multipart=True,
    )
    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["milestone"] == milestone_id
    assert uploaded.json()["url"] == f"{BASE}{deal_id}/documents/{uploaded.json()['id']}/"
    delivered = call(
        client, "post", f"{deal_id}/milestones/{milestone_id}/deliver/", keys.supply, {}
    )
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    accepted = call(
        client,
        "post",
        f"{deal_id}/milestones/{milestone_id}/review/",
        keys.demand,
        {"accept": True, "note": "样机测试通过"},
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert step(client, keys.demand, deal_id, "complete").json()["stage"] == "executing"
    done = step(client, keys.supply, deal_id, "complete").json()
    assert done["stage"] == "completed" and done["available_actions"] == []

    history = call(client, "get", f"{deal_id}/history/", keys.demand).json()
    assert [row["action"] for row in history["results"]] == [
        "open",
        "propose_nda",
        "accept_nda",
        "accept_nda",
        "contract",
        "sign",
        "sign",
        "contract",
        "register",
        "verify_registration",
        "start",
        "document",
        "milestone_delivered",
        "milestone_accepted",
        "complete",
        "complete",
    ]
    assert history["results"][-1]["to_stage"] == "completed"
    assert history["results"][0]["from_stage"] == ""
    assert history["results"][9]["organization"] is None  # the staff act for no party
    listed = call(client, "get", "", keys.supply, {"stage": "completed", "role": "supply"})
    assert [row["id"] for row in listed.json()["results"]] == [deal_id]
    assert call(client, "get", "", keys.supply, {"role": "demand"}).json()["count"] == 0


def test_a_deal_opens_from_an_approved_match_only(client, world, conversation, keys):
    missing = call(client, "post", "", keys.demand, {"title": "无来源"})
    assert missing.status_code == 400 and "conversation" in missing.json()["fields"]
    both = call(
        client, "post", "", keys.demand, {"conversation": conversation.pk, "match": world.match.pk}
    )
    assert both.status_code == 400 and "conversation" in both.json()["fields"]
    _token, stranger = api_token_for(world.stranger_org, user=world.stranger)
    unseen = call(client, "post", "", stranger, {"match": world.match.pk})
    assert unseen.status_code == 400 and "match" in unseen.json()["fields"]
    unseen = call(client, "post", "", stranger, {"conversation": conversation.pk})
    assert unseen.status_code == 400 and "conversation" in unseen.json()["fields"]
    huge = call(client, "post", "", keys.demand, {"match": 10**20})
    assert huge.status_code == 400 and "match" in huge.json()["fields"]
    # The staff see the match and the conversation, but only the parties open a deal.
    client.force_login(world.staff)
    assert call(client, "post", "", data={"match": world.match.pk}).status_code == 403
    client.logout()
    opened = call(client, "post", "", keys.supply, {"match": world.match.pk})
    assert opened.status_code == 201, opened.json()
    assert (opened.json()["origin"], opened.json()["match"]) == ("match", world.match.pk)
    assert opened.json()["need"] == world.need.pk
    assert opened.json()["title"] == conversation.subject


def _every_endpoint(deal_id, milestone_id, document_id):
    """(method, path, body, multipart) of every operation on one deal."""
    milestone = f"{deal_id}/milestones/{milestone_id}/"
    return [
        ("get", f"{deal_id}/", None, False),
        ("get", f"{deal_id}/history/", None, False),
        ("post", f"{deal_id}/transition/", {"action": "negotiate"}, False),
        (
            "put",
            f"{deal_id}/contract/",
            {"contract_type": "transfer", "total_amount": "1", "payment_terms": "lump_sum"},
            False,
        ),
        ("patch", f"{deal_id}/contract/", {"payment_note": "x"}, False),
        ("post", f"{deal_id}/milestones/", {"title": "x", "due_on": "2026-01-01"}, False),
        ("put", milestone, {"title": "x", "due_on": "2026-01-01"}, False),
        ("patch", milestone, {"title": "x"}, False),
        ("delete", milestone, None, False),
        ("post", milestone + "deliver/", {"note": "x"}, False),
        ("post", milestone + "review/", {"accept": True}, False),
        ("post", f"{deal_id}/documents/", {"kind": "other"}, True),
        ("get", f"{deal_id}/documents/{document_id}/", None, False),
    ]


def test_a_third_party_and_other_staff_get_404_everywhere(client, world, deal, keys):
    milestone = Milestone.objects.create(deal=deal, title="样机", due_on=timezone.localdate())
    document = DealDocument.objects.create(
        deal=deal,
        kind="nda",
        file="deals/x.pdf",
        name="保密协议.pdf",
        organization=world.enterprise,
    )
    _token, stranger = api_token_for(world.stranger_org, user=world.stranger)
    _token, far_office = api_token_for(office_of(world.far_staff))
    # The Hangzhou office's token without the review scope oversees nothing.
    _token, office_writer = api_token_for(office_of(world.staff), scopes=[ApiToken.Scope.WRITE])
    endpoints = _every_endpoint(deal.pk, milestone.pk, document.pk)
    for who in (
        {"key": stranger},
        {"key": far_office},
        {"key": office_writer},
        {"user": world.stranger},
        {"user": world.far_staff},
    ):
        client.logout()
        if "user" in who:
            client.force_login(who["user"])
        key = who.get("key")
        for method, path, body, multipart in endpoints:
            data = {**body, "file": pdf()} if multipart else body
            response = call(client, method, path, key, data, multipart)
            assert response.status_code == 404, (who, method, path, response.json())
        assert call(client, "get", "", key).json()["count"] == 0
    client.logout()
    for method, path, body, _multipart in endpoints:
        assert call(client, method, path, None, body).status_code == 401
    assert Deal.objects.get(pk=deal.pk).stage == Stage.LEAD
    assert Milestone.objects.filter(deal=deal).count() == 1


def test_a_read_only_token_reads_but_writes_nothing(client, world, conversation, deal):
    milestone = Milestone.objects.create(deal=deal, title="样机", due_on=timezone.localdate())
    _token, reader = api_token_for(world.university, user=world.scientist, scopes=[])
    assert call(client, "get", f"{deal.pk}/", reader).json()["your_side"] == "supply"
    assert call(client, "get", f"{deal.pk}/history/", reader).status_code == 200
    for method, path, body, multipart in _every_endpoint(deal.pk, milestone.pk, 1)[2:-1]:
        data = {**body, "file": pdf()} if multipart else body
        response = call(client, method, path, reader, data, multipart)
        assert response.status_code == 403, (method, path, response.json())
    refused = call(client, "post", "", reader, {"conversation": deal.conversation_id})
    assert refused.status_code == 403
    assert "发布和修改信息" in refused.json()["message"]
    # A writing token without `review` cannot take the staff's step, whatever it may see.
    _token, writer = api_token_for(world.university, user=world.scientist, name="ERP")
    put_at(deal, Stage.REGISTERED)
    assert step(client, writer, deal.pk, "verify_registration").status_code == 403
    assert Deal.objects.get(pk=deal.pk).stage == Stage.REGISTERED
    assert Contract.objects.get(deal=deal).registration_status == Contract.Registration.PENDING


def test_the_staff_oversee_but_take_no_party_step(client, world, deal):
    milestone = Milestone.objects.create(deal=deal, title="样机", due_on=timezone.localdate())
    client.force_login(world.staff)
    seen = call(client, "get", f"{deal.pk}/")
    assert seen.status_code == 200
    assert (seen.json()["your_side"], seen.json()["available_actions"]) == (None, [])
    assert [row["id"] for row in call(client, "get", "").json()["results"]] == [deal.pk]
    assert call(client, "get", f"{deal.pk}/history/").status_code == 200
    for method, path, body, multipart in _every_endpoint(deal.pk, milestone.pk, 1)[2:-1]:
        data = {**body, "file": pdf()} if multipart else body
        response = call(client, method, path, None, data, multipart)
        assert response.status_code == 403, (method, path, response.json())
    # … and verify a registration through a session as well as a token.
    deal = put_at(deal, Stage.REGISTERED)
    rejected = step(client, None, deal.pk, "reject_registration", note="编号与登记系统不符")
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["stage"] == "signed"
    assert rejected.json()["contract"]["registration_status"] == "rejected"
    assert rejected.json()["contract"]["registration_note"] == "编号与登记系统不符"


@pytest.mark.openapi_exempt(reason="a streamed file: the validator reads response.content")
def test_documents_are_downloaded_by_those_who_may_read_the_deal(client, world, deal, keys):
    uploaded = call(
        client,
        "post",
        f"{deal.pk}/documents/",
        keys.demand,
        {"file": pdf("保密协议.pdf"), "kind": "nda"},
        multipart=True,
    )
    assert uploaded.status_code == 201
    url = uploaded.json()["url"]
    for key, user in ((keys.supply, None), (keys.office, None), (None, world.staff)):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = call(client, "get", url, key)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]
    client.force_login(world.stranger)
    assert call(client, "get", url).status_code == 404


def test_bad_input_is_400_naming_the_field(client, world, deal, keys):
    today = timezone.localdate()
    put_at(deal, Stage.NEGOTIATION)
    Contract.objects.filter(deal=deal).delete()

    def contract(method="put", **values):
        terms = {
            "contract_type": "transfer",
            "total_amount": "80",
            "payment_terms": "lump_sum",
            **values,
        }
        return call(client, method, f"{deal.pk}/contract/", keys.demand, terms)

    def refused(response, field):
        assert response.status_code == 400, response.json()
        body = response.json()
        assert body["code"] == "invalid" and field in body["fields"], body
        return body["fields"][field]

    refused(contract(total_amount="-1"), "total_amount")
    refused(contract(total_amount="abc"), "total_amount")
    refused(contract(total_amount="1e20"), "total_amount")
    assert refused(contract(non_technical_amount="81"), "non_technical_amount") == [
        "设备、零部件及材料费不能超过合同总额。"
    ]
    refused(contract(contract_type="licence"), "contract_type")
    refused(contract(signed_on="2026-02-30"), "signed_on")
    refused(contract(equity_contribution=True, contract_type="consulting"), "equity_contribution")
    refused(contract(method="patch", payment_terms="barter"), "payment_terms")
    assert not Contract.objects.filter(deal=deal).exists()
    # A registration number is entered once signed, not before.
    refused(contract(registration_number=f"{today.year}330100000123"), "registration_number")
    # A signing date in the future is refused when it is entered; nothing was saved, so
    # signing still lacks the contract.
    refused(contract(signed_on=(today + timedelta(days=3)).isoformat()), "signed_on")
    refused(step(client, keys.demand, deal.pk, "sign"), "contract")

    def milestone(**values):
        body = {"title": "中试", "due_on": today.isoformat(), **values}
        return call(client, "post", f"{deal.pk}/milestones/", keys.supply, body)

    refused(milestone(amount="-5"), "amount")
    refused(milestone(due_on="明天"), "due_on")
    refused(milestone(title=""), "title")
    assert call(client, "put", f"{deal.pk}/milestones/{10**20}/", keys.supply).status_code == 404

    refused(step(client, keys.demand, deal.pk, "fly"), "action")
    assert "不能执行" in refused(step(client, keys.demand, deal.pk, "complete"), "stage")[0]
    refused(step(client, keys.demand, deal.pk, "lose"), "reason")
    refused(step(client, keys.demand, deal.pk, "lose", reason="no_reason"), "reason")
    refused(step(client, keys.demand, deal.pk, "lose", note="x" * 1001), "note")
    # The system's step is no one's to take.
    assert step(client, keys.demand, deal.pk, "go_dormant").status_code == 403

    upload = f"{deal.pk}/documents/"
    refused(call(client, "post", upload, keys.demand, {"kind": "nda"}, multipart=True), "file")
    refused(
        call(client, "post", upload, keys.demand, {"kind": "x", "file": pdf()}, multipart=True),
        "kind",
    )
    other_deal = Milestone.objects.create(
        deal=_another_deal(world, deal.conversation), title="别的", due_on=today
    ).pk
    refused(
        call(
            client,
            "post",
            upload,
            keys.demand,
            {"kind": "delivery", "file": pdf(), "milestone": other_deal},
            multipart=True,
        ),
        "milestone",
    )
    html = pdf("合同.pdf", b"<html><body>not a pdf</body></html>")
    refused(
        call(client, "post", upload, keys.demand, {"kind": "contract", "file": html}, True), "file"
    )
    assert call(client, "post", upload, keys.demand, {"kind": "contract"}).status_code == 400

    # Once signed: the registration's number, its date, the milestones.
    deal = put_at(deal, Stage.SIGNED)
    Contract.objects.filter(deal=deal).update(registration_number="", registered_on=None)
    registration = f"{deal.pk}/contract/"
    for number in ("2026990100000123", "12345", "abcdabcdabcdabcd"):
        refused(
            call(client, "patch", registration, keys.supply, {"registration_number": number}),
            "registration_number",
        )
    refused(
        call(client, "patch", registration, keys.supply, {"total_amount": "90"}), "contract_type"
    )
    future = (today + timedelta(days=2)).isoformat()
    refused(
        call(
            client,
            "patch",
            registration,
            keys.supply,
            {"registration_number": f"{future[:4]}330100000123", "registered_on": future},
        ),
        "registered_on",
    )
    refused(step(client, keys.supply, deal.pk, "register"), "registered_on")
    refused(milestone(), "title")
    fixed = Milestone.objects.create(deal=deal, title="样机", due_on=today)
    removed = call(client, "delete", f"{deal.pk}/milestones/{fixed.pk}/", keys.demand)
    assert removed.status_code == 409 and removed.json()["code"] == "conflict"
    deal.refresh_from_db()
    assert deal.stage == Stage.SIGNED


def _another_deal(world, conversation):
    """A closed earlier deal of the same conversation."""
    return Deal.objects.create(
        title="上一轮洽谈",
        origin=Deal.Origin.CONVERSATION,
        demand_party=world.enterprise,
        supply_party=world.university,
        conversation=conversation,
        region=conversation.region,
        stage=Stage.LOST,
    )


def test_the_other_partys_program_hears_of_a_step(client, world, deal, keys):
    endpoints = {
        organization: webhook_endpoint_create(
            organization=organization,
            actor=actor_for(user=admin),
            url=f"https://erp{organization.pk}.example.cn/hooks",
            events=["deal.stage_changed"],
        )
        for organization, admin in (
            (world.enterprise, world.owner),
            (world.university, world.scientist),
        )
    }
    moved = step(client, keys.supply, deal.pk, "negotiate")
    assert moved.status_code == 200
    delivery = WebhookDelivery.objects.get(event="deal.stage_changed")
    assert delivery.endpoint == endpoints[world.enterprise]
    payload = delivery.payload
    assert payload["deal"]["id"] == deal.pk
    assert payload["deal"]["stage"] == "negotiation"
    assert payload["deal"]["url"].endswith(f"/deals/{deal.pk}/")
    assert (payload["action"], payload["from_stage"]) == ("negotiate", "lead")
    # A confirmation that waits for the other side is another event, not a change of stage.
    put_at(deal, Stage.EXECUTING)
    step(client, keys.demand, deal.pk, "complete")
    assert WebhookDelivery.objects.filter(event="deal.stage_changed").count() == 1


def test_the_list_takes_the_same_queries_for_one_deal_or_many(client, world, deal, keys):
    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            response = call(client, "get", "", keys.demand)
        assert response.status_code == 200
        return len(queries), response.json()["count"]

    put_at(deal, Stage.SIGNED)  # with its contract
    list_queries()  # the token's use is recorded once a minute: not in the count
    one, count = list_queries()
    assert count == 1
    for number in range(5):
        earlier = _another_deal(world, deal.conversation)
        Contract.objects.create(
            deal=earlier, contract_type="service", total_amount=number, payment_terms="lump_sum"
        )
    many, count = list_queries()
    assert (many, count) == (one, 6)
