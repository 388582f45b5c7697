"""Edits to a published listing wait as its pending revision; the published version stays live."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import Notification
from organizations.models import Organization
from repositories import services
from repositories.models import (
    Listing,
    ListingRevision,
    ListingStatus,
    Need,
    PendingStatus,
    Talent,
)
from repositories.selectors import listing_list_for_review
from repositories.signals import listing_changed
from taxonomy.models import CooperationMode
from tests.factories import (
    HANGZHOU,
    NeedFactory,
    OrganizationFactory,
    TalentFactory,
    cast_staff,
    member_of,
)
from tests.factories import region as region_of

pytestmark = pytest.mark.django_db

OLD_TITLE = "印染废水深度脱色技术需求"
NEW_TITLE = "印染废水深度脱色与回用技术需求"


@pytest.fixture
def enterprise():
    return OrganizationFactory(region=region_of(HANGZHOU))


@pytest.fixture
def author(enterprise):
    return member_of(enterprise)


@pytest.fixture
def staff():
    return cast_staff("330000")


@pytest.fixture
def need(enterprise, author):
    need = NeedFactory(
        organization=enterprise, created_by=author, title=OLD_TITLE, problem="色度80倍以上"
    )
    need.cooperation_modes.set(CooperationMode.objects.filter(code="transfer"))
    return need


@pytest.fixture
def announced():
    """The listing ids announced by listing_changed (what re-indexes and re-matches them)."""
    ids = []

    def receiver(sender, listing_id, **kwargs):
        ids.append(listing_id)

    listing_changed.connect(receiver)
    yield ids
    listing_changed.disconnect(receiver)


def _edit(need, author, actor, **data):
    return services.listing_update(
        listing=need,
        actor=actor(author),
        data={"title": NEW_TITLE, **data},
        cooperation_modes=list(CooperationMode.objects.filter(code__in=["transfer", "license"])),
    )


def test_an_edit_of_a_published_listing_waits_as_a_pending_revision(need, author, actor, announced):
    published_at = need.published_at
    search_text = Need.objects.get(pk=need.pk).search_text

    _edit(need, author, actor)

    stored = Need.objects.get(pk=need.pk)
    assert stored.status == ListingStatus.PUBLISHED
    assert Listing.objects.live().filter(pk=need.pk).exists()
    assert (stored.title, stored.published_at, stored.search_text) == (
        OLD_TITLE,
        published_at,
        search_text,
    )
    assert list(stored.cooperation_modes.values_list("code", flat=True)) == ["transfer"]
    assert stored.pending_status == PendingStatus.SUBMITTED
    assert stored.pending_changes["title"] == NEW_TITLE
    assert stored.pending_changes["cooperation_modes"] == ["license", "transfer"]
    assert announced == []  # the live version did not change: nothing to re-index
    revision = stored.revisions.first()
    assert revision.action == ListingRevision.Action.CHANGES_SUBMITTED
    assert revision.changes == {
        "title": [OLD_TITLE, NEW_TITLE],
        "cooperation_modes": ["transfer", "license, transfer"],
    }
    assert services.listing_pending_fields(stored) == ["title", "cooperation_modes"]


def test_approving_the_revision_applies_it_and_keeps_the_listing_published(
    need, author, staff, actor, announced
):
    published_at = need.published_at
    _edit(need, author, actor)

    services.listing_review(listing=Need.objects.get(pk=need.pk), actor=actor(staff), approve=True)

    stored = Need.objects.get(pk=need.pk)
    assert (stored.status, stored.title, stored.published_at) == (
        ListingStatus.PUBLISHED,
        NEW_TITLE,
        published_at,
    )
    assert (stored.pending_changes, stored.pending_status) == (None, "")
    assert "回用" in stored.search_text.split()
    assert sorted(stored.cooperation_modes.values_list("code", flat=True)) == [
        "license",
        "transfer",
    ]
    assert announced == [need.pk]
    revision = stored.revisions.first()
    assert (revision.action, revision.user) == (ListingRevision.Action.CHANGES_APPROVED, staff)
    assert set(revision.changes) == {"title", "cooperation_modes"}
    assert Notification.objects.filter(title=f"修改已发布：{NEW_TITLE}").count() == 1
    assert not listing_list_for_review(actor=actor(staff)).filter(pk=need.pk).exists()


def test_returning_the_revision_keeps_the_live_version_and_the_author_edits_it_again(
    need, author, staff, actor
):
    _edit(need, author, actor, problem="色度80倍以上，需降到10倍以下")
    with pytest.raises(ValidationError):
        services.listing_review(listing=need, actor=actor(staff), approve=False, note=" ")

    services.listing_review(
        listing=Need.objects.get(pk=need.pk), actor=actor(staff), approve=False, note="标题过长"
    )

    stored = Need.objects.get(pk=need.pk)
    assert (stored.status, stored.title, stored.problem) == (
        ListingStatus.PUBLISHED,
        OLD_TITLE,
        "色度80倍以上",
    )
    assert (stored.pending_status, stored.review_note) == (PendingStatus.RETURNED, "标题过长")
    assert stored.display_status == "已发布（修改被退回）"
    assert stored.revisions.first().action == ListingRevision.Action.CHANGES_RETURNED
    assert stored.revisions.first().note == "标题过长"
    assert not listing_list_for_review(actor=actor(staff)).filter(pk=need.pk).exists()

    # The author edits the returned revision: what it changed stays, the new edit is added.
    services.listing_update(listing=stored, actor=actor(author), data={"title": "脱色技术需求"})
    stored = Need.objects.get(pk=need.pk)
    assert stored.pending_status == PendingStatus.SUBMITTED
    assert stored.pending_changes["title"] == "脱色技术需求"
    assert stored.pending_changes["problem"] == "色度80倍以上，需降到10倍以下"
    assert stored.title == OLD_TITLE
    assert listing_list_for_review(actor=actor(staff)).filter(pk=need.pk).exists()


def test_editing_back_to_the_live_version_withdraws_the_revision(need, author, actor):
    _edit(need, author, actor)
    services.listing_update(
        listing=Need.objects.get(pk=need.pk),
        actor=actor(author),
        data={"title": OLD_TITLE},
        cooperation_modes=list(CooperationMode.objects.filter(code="transfer")),
    )
    stored = Need.objects.get(pk=need.pk)
    assert (stored.pending_changes, stored.pending_status) == (None, "")
    assert stored.revisions.first().note == "已撤回修改，已发布的版本保持不变。"


def test_a_pending_revision_is_checked_like_any_edit(need, author, actor):
    with pytest.raises(ValidationError) as error:
        _edit(need, author, actor, budget_min=50, budget_max=10)
    assert error.value.message_dict == {
        "budget_max": ["预算上限（万元）不能低于预算下限（万元）。"]
    }
    assert Need.objects.get(pk=need.pk).pending_status == ""


def test_the_reviewer_sees_what_changed(need, author, actor):
    _edit(need, author, actor)
    assert services.listing_pending_diff(Need.objects.get(pk=need.pk)) == [
        ("标题", OLD_TITLE, NEW_TITLE),
        ("合作方式", "技术转让", "技术许可、技术转让"),
    ]


# The web pages


def _buttons(response):
    html = response.content.decode()
    actions = html[html.index('id="form-actions"') :]
    return re.findall(r"<button[^>]*>([^<]+)</button>", actions[: actions.index("</div>")])


def _edit_url(need):
    return reverse("repositories:edit", kwargs={"kind": "need", "pk": need.pk})


def _form_data(need, **changes):
    return {
        "organization": need.organization_id,
        "title": need.title,
        "summary": need.summary,
        "problem": need.problem,
        "region": need.region_id,
        "cooperation_modes": [mode.pk for mode in need.cooperation_modes.all()],
        **changes,
    }


def test_the_edit_page_of_a_published_listing_says_what_its_button_does(client, need, author):
    client.force_login(author)
    assert _buttons(client.get(_edit_url(need))) == ["提交修改（审核通过前仍显示当前版本）"]


def test_the_buttons_of_a_draft_save_it_or_submit_it(client, enterprise, author):
    client.force_login(author)
    draft = NeedFactory(organization=enterprise, status=ListingStatus.DRAFT, published_at=None)
    assert _buttons(client.get(_edit_url(draft))) == ["保存草稿", "提交审核"]
    create = client.get(reverse("repositories:create", kwargs={"kind": "need"}))
    assert _buttons(create) == ["保存草稿", "提交审核"]


def test_a_typo_fix_keeps_the_listing_online_until_the_reviewer_approves_it(
    client, need, author, staff
):
    client.force_login(author)
    response = client.post(_edit_url(need), _form_data(need, title=NEW_TITLE, submit="1"))
    assert response.status_code == 302

    client.logout()
    assert OLD_TITLE in client.get(reverse("repositories:list", kwargs={"kind": "need"})).text
    public = client.get(need.get_absolute_url()).text
    assert OLD_TITLE in public and NEW_TITLE not in public
    assert 'id="pending-changes"' not in public

    client.force_login(author)
    own = client.get(need.get_absolute_url()).text
    assert "已发布（修改待审核）" in own
    assert 'id="pending-changes"' in own and NEW_TITLE in own
    # The edit page shows the pending revision, not the live version.
    assert f'value="{NEW_TITLE}"' in client.get(_edit_url(need)).text

    client.force_login(staff)
    queue = client.get(reverse("repositories:review_queue")).text
    assert f'id="review-listing-{need.pk}"' in queue and "已发布信息的修改" in queue
    review_page = client.get(need.get_absolute_url()).text
    assert "通过并发布修改" in review_page and "退回修改" in review_page
    assert 'id="pending-changes"' in review_page and NEW_TITLE in review_page
    client.post(
        reverse("repositories:review", kwargs={"kind": "need", "pk": need.pk}),
        {"decision": "approve", "note": ""},
    )
    client.logout()
    assert NEW_TITLE in client.get(need.get_absolute_url()).text


def test_a_returned_revision_never_shows_returned_beside_published(client, need, author, staff):
    client.force_login(author)
    client.post(_edit_url(need), _form_data(need, title=NEW_TITLE, submit="1"))
    client.force_login(staff)
    client.post(
        reverse("repositories:review", kwargs={"kind": "need", "pk": need.pk}),
        {"decision": "return", "note": "请保留原标题中的关键词"},
    )
    client.force_login(author)
    page = client.get(need.get_absolute_url()).text
    badge = re.search(r'id="listing-status">([^<]+)<', page).group(1)
    assert badge == "已发布（修改被退回）"
    assert "您的修改被审核人员退回：</strong> 请保留原标题中的关键词" in page
    edit_page = client.get(_edit_url(need)).text
    assert 'id="pending-returned"' in edit_page and f'value="{NEW_TITLE}"' in edit_page
    workspace = client.get(reverse("repositories:workspace")).text
    badges = re.findall(r'class="badge badge-status-[a-z]+">([^<]+)<', workspace)
    assert badges == ["已发布（修改被退回）"]


def test_a_talents_societies_wait_with_the_revision(author, enterprise, staff, actor):
    first, second = (OrganizationFactory(kind=Organization.Kind.SOCIETY) for _ in range(2))
    talent = TalentFactory(organization=enterprise, created_by=author)
    talent.societies.set([first])
    services.listing_update(listing=talent, actor=actor(author), data={}, societies=[second])
    stored = Talent.objects.get(pk=talent.pk)
    assert list(stored.societies.all()) == [first]
    assert services.listing_pending_fields(stored) == ["societies"]

    services.listing_review(listing=stored, actor=actor(staff), approve=True)
    assert list(Talent.objects.get(pk=talent.pk).societies.all()) == [second]


def test_closing_a_listing_drops_its_pending_revision(need, author, staff, actor):
    _edit(need, author, actor)

    services.listing_close(listing=Need.objects.get(pk=need.pk), actor=actor(author))

    stored = Need.objects.get(pk=need.pk)
    assert (stored.status, stored.pending_changes, stored.pending_status) == (
        ListingStatus.CLOSED,
        None,
        "",
    )
    assert stored.title == OLD_TITLE
    assert not listing_list_for_review(actor=actor(staff)).filter(pk=need.pk).exists()
