"""The CAST staff's match review queue (/matches/review/): true counts, pages of needs with
their proposals best first, and reviewing one need's proposals at once."""

import pytest
from django.urls import reverse

from matching.models import AutoApproveRule, Match
from matching.views import REVIEW_NEEDS_PER_PAGE
from notifications.models import Notification
from organizations.models import Membership, Organization
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    member_of,
    region,
)
from tests.matching.builders import make_match

pytestmark = pytest.mark.django_db

QUEUE = reverse("matching:review_queue")


@pytest.fixture
def university():
    return OrganizationFactory(name="江南理工大学", kind=Organization.Kind.INSTITUTION)


def hangzhou_need(**fields):
    return NeedFactory(organization=OrganizationFactory(region=region(HANGZHOU)), **fields)


def proposals(need, scores, university):
    return [
        make_match(
            need,
            AchievementFactory(organization=university),
            score=score,
            explanation={"terms": ["红外"], "cooperation_modes": ["transfer", "license"]},
        )
        for score in scores
    ]


def test_the_queue_counts_every_proposal_and_pages_through_all(client, university):
    staff = cast_staff(HANGZHOU)
    needs = REVIEW_NEEDS_PER_PAGE + 2
    for n in range(needs):
        proposals(hangzhou_need(), [0.5 + n / 100] * (10 if n == 0 else 1), university)
    total = 10 + needs - 1
    client.force_login(staff)
    first = client.get(QUEUE)
    html = first.content.decode()
    assert f"{total} 个匹配待审核" in html
    assert f"涉及 {needs} 项需求" in html
    assert first.context["statistics"]["by_status"]["proposed"] == total
    assert len(first.context["page"].object_list) == REVIEW_NEEDS_PER_PAGE
    assert '<a class="page-link" href="?page=2">' in html
    second = client.get(QUEUE, {"page": 2})
    assert len(second.context["page"].object_list) == 2
    shown = [
        match.pk
        for response in (first, second)
        for need in response.context["page"].object_list
        for match in need.pending_matches
    ]
    assert sorted(shown) == sorted(Match.objects.values_list("pk", flat=True))


def test_needs_with_the_best_proposal_first_and_proposals_best_first(client, university):
    staff = cast_staff(HANGZHOU)
    weak = hangzhou_need(title="弱需求")
    strong = hangzhou_need(title="强需求")
    weak_matches = proposals(weak, [0.3, 0.6, 0.4], university)
    strong_matches = proposals(strong, [0.5, 0.9], university)
    client.force_login(staff)
    page = client.get(QUEUE).context["page"]
    assert [need.pk for need in page.object_list] == [strong.pk, weak.pk]
    assert [[m.pk for m in need.pending_matches] for need in page.object_list] == [
        [strong_matches[1].pk, strong_matches[0].pk],
        [weak_matches[1].pk, weak_matches[2].pk, weak_matches[0].pk],
    ]


def test_the_queue_holds_only_the_regions_proposals(client, university):
    hangzhou = proposals(hangzhou_need(), [0.5], university)
    shenzhen_need = NeedFactory(organization=OrganizationFactory(region=region(SHENZHEN)))
    proposals(shenzhen_need, [0.9], university)
    make_match(hangzhou_need(), AchievementFactory(), status=Match.Status.APPROVED)
    client.force_login(cast_staff(HANGZHOU))
    page = client.get(QUEUE).context["page"]
    assert [m.pk for need in page.object_list for m in need.pending_matches] == [hangzhou[0].pk]


@pytest.mark.parametrize("needs", [1, 4])
def test_the_queue_does_not_query_per_need_or_match(
    client, university, django_assert_max_num_queries, needs
):
    staff = cast_staff(HANGZHOU)
    for _ in range(needs):
        proposals(hangzhou_need(), [0.5, 0.6, 0.7], university)
    client.force_login(staff)
    with django_assert_max_num_queries(17):
        response = client.get(QUEUE)
    assert sum(len(need.pending_matches) for need in response.context["page"].object_list) == (
        3 * needs
    )


# --- one need's proposals at once -------------------------------------------------------------


@pytest.fixture
def need_with_three(university):
    need = hangzhou_need(title="红外开关误触发")
    member_of(need.organization, role=Membership.Role.MEMBER)
    return need, proposals(need, [0.9, 0.7, 0.5], university)


def bulk(client, need, query="", **data):
    return client.post(QUEUE + query, {"need": need.pk, **data})


def test_bulk_approve_pushes_each_chosen_proposal(client, need_with_three, university):
    need, (best, middle, worst) = need_with_three
    other = proposals(hangzhou_need(), [0.8], university)[0]
    client.force_login(cast_staff(HANGZHOU))
    response = bulk(client, need, query="?page=2", decision="approve", matches=[best.pk, middle.pk])
    assert response.status_code == 302
    assert response.url == f"{QUEUE}?page=2"
    statuses = dict(Match.objects.values_list("pk", "status"))
    assert statuses == {
        best.pk: "approved",
        middle.pk: "approved",
        worst.pk: "proposed",
        other.pk: "proposed",
    }
    for match in (best, middle):
        match.refresh_from_db()
        assert match.pushed_at is not None
        # Pushed to both sides, as a single approval would be.
        told = Notification.objects.filter(url=match.get_absolute_url())
        organizations = set(told.values_list("user__memberships__organization", flat=True))
        assert organizations == {need.organization_id, university.pk}


def test_bulk_reject_needs_one_reason_and_keeps_what_was_chosen(client, need_with_three):
    need, (best, middle, worst) = need_with_three
    client.force_login(cast_staff(HANGZHOU))
    response = bulk(client, need, decision="reject", note="  ", matches=[middle.pk, worst.pk])
    assert response.status_code == 200
    form = response.context["bulk_form"]
    assert form.errors == {"note": ["请说明驳回该匹配的理由。"]}
    html = response.content.decode()
    assert "理由：请说明驳回该匹配的理由。" in html
    # The choice comes back as made: the best one stays unticked.
    assert f'value="{best.pk}" form="bulk-need-{need.pk}" checked' not in html
    assert f'value="{middle.pk}" form="bulk-need-{need.pk}" checked' in html
    assert set(Match.objects.values_list("status", flat=True)) == {"proposed"}
    response = bulk(client, need, decision="reject", note="领域不符", matches=[middle.pk, worst.pk])
    assert response.status_code == 302
    assert response.url == QUEUE
    rejected = Match.objects.filter(status=Match.Status.REJECTED)
    assert sorted(rejected.values_list("pk", flat=True)) == sorted([middle.pk, worst.pk])
    assert set(rejected.values_list("review_note", flat=True)) == {"领域不符"}
    assert not Notification.objects.exists()


def test_bulk_review_needs_a_choice(client, need_with_three):
    need, _ = need_with_three
    client.force_login(cast_staff(HANGZHOU))
    response = bulk(client, need, decision="approve")
    assert response.context["bulk_form"].errors == {"matches": ["请至少选择一个匹配。"]}
    assert set(Match.objects.values_list("status", flat=True)) == {"proposed"}


def test_bulk_review_is_all_or_nothing(client, need_with_three):
    """One of the chosen was reviewed meanwhile: nothing else changes, nobody is told."""
    need, (best, middle, worst) = need_with_three
    Match.objects.filter(pk=worst.pk).update(status=Match.Status.REJECTED)
    client.force_login(cast_staff(HANGZHOU))
    response = bulk(client, need, decision="approve", matches=[best.pk, middle.pk, worst.pk])
    assert response.status_code == 200
    assert response.context["bulk_form"].errors == {
        "matches": ["所选匹配中有的已不再待审核（已被他人审核或已撤回），请核对后重试。"]
    }
    assert Match.objects.filter(status=Match.Status.APPROVED).count() == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("other_staff", 302), ("need_member", 403)])
def test_only_the_regions_staff_review_in_bulk(client, need_with_three, who, status):
    need, matches = need_with_three
    if who == "other_staff":
        person = cast_staff(SHENZHEN)
    else:
        person = need.organization.memberships.get(role=Membership.Role.MEMBER).user
    client.force_login(person)
    response = bulk(client, need, decision="approve", matches=[m.pk for m in matches])
    assert response.status_code == status
    assert set(Match.objects.values_list("status", flat=True)) == {"proposed"}
    assert not Notification.objects.exists()


# --- automatic approval -----------------------------------------------------------------------


def test_automatic_approval_is_set_as_a_match_percentage(client):
    client.force_login(cast_staff(HANGZHOU))
    (region_shown, form), *_ = client.get(QUEUE).context["rule_forms"]
    assert region_shown.code == HANGZHOU
    # The default threshold: a match degree of 80.
    assert form["min_match"].value() == 80
    response = client.post(
        QUEUE, {"rule_region": HANGZHOU, f"{HANGZHOU}-enabled": "on", f"{HANGZHOU}-min_match": 75}
    )
    assert response.status_code == 302
    rule = AutoApproveRule.objects.get(region__code=HANGZHOU)
    assert rule.enabled
    assert rule.min_degree == 75
    (_region, form), *_ = client.get(QUEUE).context["rule_forms"]
    assert form["min_match"].value() == 75


def test_a_bad_threshold_comes_back_as_typed(client):
    client.force_login(cast_staff(HANGZHOU))
    response = client.post(
        QUEUE, {"rule_region": HANGZHOU, f"{HANGZHOU}-enabled": "on", f"{HANGZHOU}-min_match": 150}
    )
    assert response.status_code == 200
    (_region, form), *_ = response.context["rule_forms"]
    assert form.is_bound
    assert form.errors == {"min_match": ["确保该值小于或等于100。"]}
    assert form["min_match"].value() == "150"
    assert form["enabled"].value() is True
    assert not AutoApproveRule.objects.exists()
