"""The matching engine inside the platform: index on commit, propose, review, push, answer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from matching import indexing
from matching.models import AutoApproveRule, Match, MatchAnswer
from matching.services import match_answer, match_review, matches_refresh
from matching.tasks import index_and_match_dirty, sweep_dirty_index
from notifications.models import Notification
from organizations.models import Organization
from outcomes.models import OutcomeEvent
from repositories import services as listing_services
from repositories.models import ListingStatus
from search.backends import get_backend
from search.embedding import encoder
from tests.factories import (
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    TalentFactory,
    cast_staff,
    member_of,
    region,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

# From ../shared/data/listings: req-00001 and an achievement that answers it, in our words.
NEED = {
    "title": "LED手电筒红外开关改进",
    "problem": "现有产品中手电筒的开关是机械式，非常容易损坏，导致接触不良。"
    "现在需求一种技术，需要设计一款红外控制的LED手电筒。",
}
ANSWER = {
    "title": "红外感应开关及LED照明控制电路",
    "description": "采用红外感应实现非接触开关控制，适用于LED手电筒、台灯等照明产品，"
    "寿命长、无机械磨损。",
}
UNRELATED = {
    "title": "水稻稻瘟病绿色防控技术",
    "description": "利用生物农药与抗病品种相结合，降低稻瘟病发病率。",
}


@pytest.fixture
def index(settings, tmp_path, real_model):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return get_backend()


def publish(listing, django_capture_on_commit_callbacks, actor):
    """Publish through the review service, running what happens on commit (index, match)."""
    listing.status = ListingStatus.SUBMITTED
    listing.save()
    staff = cast_staff(listing.region.code)
    with django_capture_on_commit_callbacks(execute=True):
        listing_services.listing_review(listing=listing, actor=actor(staff), approve=True)
    listing.refresh_from_db()
    return staff


@pytest.fixture
def supply(index):
    """Two published achievements of a university in Hangzhou, indexed."""
    university = OrganizationFactory(kind=Organization.Kind.INSTITUTION, name="浙江光电研究院")
    answer = AchievementFactory(organization=university, **ANSWER)
    unrelated = AchievementFactory(organization=university, **UNRELATED)
    index_and_match_dirty(limit=None)
    return answer, unrelated


def test_publishing_a_need_proposes_what_answers_it_first(
    supply, django_capture_on_commit_callbacks, actor
):
    answer, unrelated = supply
    need = NeedFactory(status=ListingStatus.DRAFT, **NEED)
    publish(need, django_capture_on_commit_callbacks, actor)
    matches = list(Match.objects.filter(need=need).order_by("-score"))
    assert [m.supply_listing_id for m in matches][:1] == [answer.pk]
    best = matches[0]
    assert best.status == Match.Status.PROPOSED
    assert best.region_id == need.region_id
    assert {"红外", "led", "手电筒"} & set(best.explanation["terms"])
    assert best.parts["relevance"] > 0 and "keyword" in best.parts and "field" in best.parts
    assert best.model == encoder.model_id()
    if len(matches) > 1:
        assert matches[1].score < best.score
    need.refresh_from_db()
    assert need.indexed_at is not None


def test_new_supply_finds_the_needs_and_running_twice_changes_nothing(index):
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    answer = AchievementFactory(
        organization=OrganizationFactory(kind=Organization.Kind.INSTITUTION), **ANSWER
    )
    indexing.index_listing(answer.pk)
    first = matches_refresh(listing_id=answer.pk)
    again = matches_refresh(listing_id=answer.pk)
    assert [(m.need_id, m.supply_listing_id) for m in first] == [(need.pk, answer.pk)]
    assert [m.pk for m in again] == [m.pk for m in first]
    # The need's own refresh meets the same pair: still one row.
    matches_refresh(listing_id=need.pk)
    assert Match.objects.filter(need=need, supply_listing=answer).count() == 1


def test_an_organization_is_never_matched_with_itself(index):
    enterprise = OrganizationFactory()
    AchievementFactory(organization=enterprise, **ANSWER)
    need = NeedFactory(organization=enterprise, **NEED)
    index_and_match_dirty(limit=None)
    matches_refresh(listing_id=need.pk)
    assert not Match.objects.filter(need=need).exists()


def test_an_expert_and_a_service_team_are_proposed_too(index):
    team = OrganizationFactory(
        kind=Organization.Kind.SERVICE_TEAM,
        name="照明电子专家服务团",
        description="为企业提供LED照明、红外感应控制等电子技术咨询。",
    )
    expert = TalentFactory(
        disciplines="电子工程",
        research_interests="红外传感器与LED驱动电路",
        representative_projects="红外感应开关研发\n智能照明控制系统",
    )
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    matches_refresh(listing_id=need.pk)
    kinds = dict(Match.objects.filter(need=need).values_list("supply_key", "supply_kind"))
    assert kinds[f"team:{team.pk}"] == "team"
    assert kinds[f"talent:{expert.pk}"] == "talent"


def test_closing_a_listing_takes_it_out_and_withdraws_its_proposals(supply, actor):
    answer, _ = supply
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    assert Match.objects.filter(supply_listing=answer).exists()
    owner = answer.created_by
    listing_services.listing_close(listing=answer, actor=actor(owner))
    index_and_match_dirty(limit=None)
    assert f"achievement:{answer.pk}" not in get_backend().ids()
    assert not Match.objects.filter(supply_listing=answer, need=need).exists()


def test_an_indexing_failure_never_fails_the_save_and_the_sweep_catches_up(
    supply, django_capture_on_commit_callbacks, actor, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("index unavailable")

    monkeypatch.setattr(indexing, "_put", broken)
    need = NeedFactory(status=ListingStatus.DRAFT, **NEED)
    publish(need, django_capture_on_commit_callbacks, actor)
    assert need.status == ListingStatus.PUBLISHED
    assert need.indexed_at is None
    monkeypatch.undo()
    sweep_dirty_index()
    need.refresh_from_db()
    assert need.indexed_at is not None
    assert f"need:{need.pk}" in get_backend().ids()
    assert Match.objects.filter(need=need).exists()


def test_reconciliation_drops_strays_and_marks_what_is_missing(supply):
    answer, unrelated = supply
    backend = get_backend()
    backend.delete([f"achievement:{unrelated.pk}"])
    from search.backends.base import SearchDocument

    backend.add(SearchDocument(id="achievement:999999", kind="achievement", tokens=["x"]))
    removed, marked = indexing.index_reconcile()
    assert (removed, marked) == (1, 1)
    unrelated.refresh_from_db()
    assert unrelated.indexed_at is None
    sweep_dirty_index()
    assert f"achievement:{unrelated.pk}" in backend.ids()
    assert "achievement:999999" not in backend.ids()


def test_vectors_of_another_model_are_embedded_again(supply, settings):
    answer, _ = supply
    backend = get_backend()
    vector = backend.get_vectors([f"achievement:{answer.pk}"], model=encoder.model_id())
    from search.backends.base import SearchDocument

    backend.add(
        SearchDocument(
            id=f"achievement:{answer.pk}",
            kind="achievement",
            tokens=["x"],
            vector=next(iter(vector.values())),
            model="an-older-model",
        )
    )
    _, marked = indexing.index_reconcile()
    assert marked == 1
    sweep_dirty_index()
    assert backend.get_vectors([f"achievement:{answer.pk}"], model=encoder.model_id())


@pytest.fixture
def proposed(supply):
    answer, _ = supply
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    return Match.objects.get(need=need, supply_listing=answer)


def test_staff_of_the_needs_region_approve_and_both_sides_hear_of_it(
    proposed, actor, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        organization=proposed.supply_listing.organization,
        url="https://hooks.example.cn/techbridge",
        secret="s3cret",
        events=["match.pushed"],
    )
    need_user = proposed.need.created_by
    supply_user = proposed.supply_listing.created_by
    with pytest.raises(PermissionDenied):
        match_review(match=proposed, actor=actor(cast_staff(SHENZHEN)), approve=True)
    staff = cast_staff(HANGZHOU)
    match_review(match=proposed, actor=actor(staff), approve=True)
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.APPROVED and proposed.pushed_at
    for user in (need_user, supply_user):
        notification = Notification.objects.get(user=user, topic=Notification.Topic.MATCH)
        assert notification.url == proposed.get_absolute_url()
        assert "红外" in notification.body
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "match.pushed"
    assert delivery.payload["match"]["id"] == proposed.pk
    with pytest.raises(ValidationError):
        match_review(match=proposed, actor=actor(staff), approve=False, note="重复")


def test_a_rejection_needs_a_reason_and_keeps_the_match_from_the_parties(proposed, actor):
    staff = cast_staff(HANGZHOU)
    with pytest.raises(ValidationError) as error:
        match_review(match=proposed, actor=actor(staff), approve=False, note=" ")
    assert "note" in error.value.message_dict
    match_review(match=proposed, actor=actor(staff), approve=False, note="成果已转让")
    from matching.selectors import match_list

    assert not match_list(actor=actor(proposed.need.created_by)).exists()
    assert match_list(actor=actor(staff)).filter(pk=proposed.pk).exists()


def test_not_relevant_hides_the_supply_from_that_enterprise_from_then_on(proposed, actor):
    match_review(match=proposed, actor=actor(cast_staff(HANGZHOU)), approve=True)
    enterprise_user = proposed.need.created_by
    with pytest.raises(ValidationError) as error:
        match_answer(match=proposed, actor=actor(enterprise_user), answer="not_relevant")
    assert "reason" in error.value.message_dict
    answer = match_answer(
        match=proposed, actor=actor(enterprise_user), answer="not_relevant", reason="price"
    )
    assert answer.organization_id == proposed.need.organization_id
    supply_user = proposed.supply_listing.created_by
    # The push, then the answer.
    assert (
        Notification.objects.filter(user=supply_user, topic=Notification.Topic.MATCH).count() == 2
    )
    # Another need of the same enterprise, same problem: the hidden achievement stays away.
    second = NeedFactory(organization=proposed.need.organization, **NEED)
    index_and_match_dirty(limit=None)
    assert not Match.objects.filter(need=second, supply_listing=proposed.supply_listing).exists()
    # Nor does the achievement's own refresh offer it to that enterprise's needs.
    matches_refresh(listing_id=proposed.supply_listing_id)
    assert not Match.objects.filter(need=second, supply_listing=proposed.supply_listing).exists()
    # Answering again replaces the answer.
    match_answer(match=proposed, actor=actor(enterprise_user), answer="interested")
    assert MatchAnswer.objects.get(match=proposed).answer == "interested"


def test_only_the_two_sides_answer_and_only_once_approved(proposed, actor):
    with pytest.raises(ValidationError):
        match_answer(match=proposed, actor=actor(proposed.need.created_by), answer="interested")
    match_review(match=proposed, actor=actor(cast_staff(HANGZHOU)), approve=True)
    outsider = member_of(OrganizationFactory())
    with pytest.raises(PermissionDenied):
        match_answer(match=proposed, actor=actor(outsider), answer="interested")
    with pytest.raises(ValidationError) as error:
        match_answer(match=proposed, actor=actor(proposed.need.created_by), answer="maybe")
    assert "answer" in error.value.message_dict


def test_auto_approval_for_verified_organizations_above_the_score(supply):
    AutoApproveRule.objects.create(region=region("330000"), enabled=True, min_degree=50)
    need = NeedFactory(**NEED)
    ningbo_need = NeedFactory(region=region(NINGBO), **NEED)
    pending = NeedFactory(
        organization=OrganizationFactory(status=Organization.Status.PENDING), **NEED
    )
    index_and_match_dirty(limit=None)
    best = Match.objects.filter(need=need).order_by("-degree").first()
    assert best.status == Match.Status.APPROVED and best.auto_approved and best.pushed_at
    assert Match.objects.filter(need=ningbo_need, status=Match.Status.APPROVED).exists()
    assert not Match.objects.filter(need=pending).exclude(status=Match.Status.PROPOSED).exists()
    low = Match.objects.filter(need=need, degree__lt=50)
    assert not low.exclude(status=Match.Status.PROPOSED).exists()


def _events(name, **filters):
    return OutcomeEvent.objects.filter(name=name, **filters)


def test_the_outcome_log_records_each_proposal_once_and_its_withdrawal(supply, actor):
    answer, _unrelated = supply
    need = NeedFactory(**NEED)
    index_and_match_dirty(limit=None)
    match = Match.objects.get(need=need, supply_listing=answer)
    matches_refresh(listing_id=need.pk)  # again: the same proposals, no new event
    proposed = _events(OutcomeEvent.Name.MATCH_PROPOSED, subject_id=match.pk).get()
    assert (proposed.organization, proposed.counterpart) == (need.organization, answer.organization)
    assert (proposed.region_id, proposed.field_id) == (need.region_id, need.field_id)
    assert proposed.data["supply"] == f"achievement:{answer.pk}"
    listing_services.listing_close(listing=answer, actor=actor(answer.created_by))
    index_and_match_dirty(limit=None)
    assert _events(OutcomeEvent.Name.MATCH_WITHDRAWN, subject_id=match.pk).count() == 1


def test_the_outcome_log_records_reviews_and_answers(proposed, actor):
    match, staff = proposed, cast_staff(HANGZHOU)
    match_review(match=match, actor=actor(staff), approve=True)
    approved = _events(OutcomeEvent.Name.MATCH_APPROVED, subject_id=match.pk).get()
    assert approved.actor == staff
    supplier = member_of(match.supply_organization)
    match_answer(
        match=match,
        actor=actor(supplier),
        answer=MatchAnswer.Answer.NOT_RELEVANT,
        reason=MatchAnswer.Reason.TOO_EARLY,
    )
    answered = _events(OutcomeEvent.Name.MATCH_ANSWERED, subject_id=match.pk).get()
    assert (answered.organization, answered.counterpart) == (
        match.supply_organization,
        match.need.organization,
    )
    assert answered.data["answer"] == "not_relevant" and answered.data["reason"] == "too_early"
