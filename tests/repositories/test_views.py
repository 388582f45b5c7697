import re
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from organizations.models import Organization
from repositories.models import (
    Achievement,
    Attachment,
    DetailAccessRequest,
    Listing,
    ListingStatus,
    Need,
)
from search.backends import get_backend
from search.backends.base import SearchDocument, normalize
from search.text import tokenize
from taxonomy.models import CooperationMode, Field
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    cast_staff,
    direction,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db


def _errors(response):
    """{field name: text} of the field-level errors shown on the page."""
    html = response.content.decode()
    return dict(re.findall(r'data-field="([^"]+)">([^<]+)<', html))


@pytest.fixture
def author():
    return member_of(OrganizationFactory(region=region(HANGZHOU)))


def test_publish_form_saves_a_draft_then_submits(client, author):
    client.force_login(author)
    organization = author.memberships.get().organization
    data = {
        "organization": organization.pk,
        "title": "印染废水深度脱色技术需求",
        "summary": "寻求印染废水深度脱色与回用技术。",
        "problem": "现有芬顿工艺出水色度80倍以上，回用困难。",
        "region": organization.region_id,
        "field": direction().pk,
        "cooperation_modes": [CooperationMode.objects.get(code="transfer").pk],
        "submit": "1",
    }
    response = client.post(reverse("repositories:create", kwargs={"kind": "need"}), data)
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == need.get_absolute_url()
    assert need.status == ListingStatus.SUBMITTED
    assert list(need.cooperation_modes.values_list("code", flat=True)) == ["transfer"]


def test_bad_input_names_each_field_in_chinese_and_keeps_what_was_typed(client, author):
    client.force_login(author)
    organization = author.memberships.get().organization
    response = client.post(
        reverse("repositories:create", kwargs={"kind": "need"}),
        {
            "organization": organization.pk,
            "title": "",
            "summary": "摘要保留在表单里",
            "problem": "问题描述",
            "region": organization.region_id,
            "budget_min": "五十",
            "budget_max": "10",
            "deadline": "2020-01-01",
        },
    )
    assert response.status_code == 200
    # The rule across fields (a past date) shows on the first submit, with the field errors.
    assert _errors(response) == {
        "title": "标题：该字段是必填项。",
        "budget_min": "请用数字填写预算下限（万元），例如 50 或 12.5。",
        "deadline": "期望解决时间不能早于今天。",
    }
    assert "摘要保留在表单里" in response.content.decode()
    assert Listing.objects.count() == 0


def test_cross_field_errors_come_back_on_their_fields(client, author):
    client.force_login(author)
    organization = author.memberships.get().organization
    response = client.post(
        reverse("repositories:create", kwargs={"kind": "need"}),
        {
            "organization": organization.pk,
            "title": "一个正常的需求标题",
            "summary": "摘要",
            "problem": "问题",
            "region": organization.region_id,
            "budget_min": "50",
            "budget_max": "10",
            "deadline": (timezone.localdate() - timedelta(days=3)).isoformat(),
        },
    )
    assert _errors(response) == {
        "budget_max": "预算上限（万元）不能低于预算下限（万元）。",
        "deadline": "期望解决时间不能早于今天。",
    }
    assert Listing.objects.count() == 0


def test_an_organization_that_is_not_yours_cannot_be_chosen(client, author):
    client.force_login(author)
    other = OrganizationFactory()
    response = client.post(
        reverse("repositories:create", kwargs={"kind": "need"}),
        {
            "organization": other.pk,
            "title": "标题标题标题",
            "summary": "摘",
            "problem": "问",
            "region": other.region_id,
        },
    )
    assert "organization" in response.context["form"].errors
    assert Listing.objects.count() == 0


def test_unverified_organization_keeps_a_draft(client):
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    user = member_of(pending)
    client.force_login(user)
    client.post(
        reverse("repositories:create", kwargs={"kind": "achievement"}),
        {
            "organization": pending.pk,
            "title": "高强度镁合金压铸技术",
            "summary": "摘要",
            "description": "描述",
            "region": pending.region_id,
            "ip_status": "none",
            "submit": "1",
        },
    )
    assert Achievement.objects.get().status == ListingStatus.DRAFT


def test_every_publish_form_renders(client, author):
    client.force_login(author)
    for kind in ("need", "achievement", "project", "talent"):
        response = client.get(reverse("repositories:create", kwargs={"kind": kind}))
        assert response.status_code == 200
        assert response.context["score"] == 0


def test_completeness_hints_follow_the_typing(client, author):
    client.force_login(author)
    url = reverse("repositories:completeness", kwargs={"kind": "need"})
    empty = client.post(url, {}, HTTP_HX_REQUEST="true")
    typed = client.post(
        url,
        {
            "title": "锂电池回收中钴镍高效分离工艺",
            "target_indicators": "回收率≥98%",
            "budget_negotiable": "on",
            "field": direction().pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert empty.context["score"] < typed.context["score"]
    assert len(typed.context["hints"]) == len(empty.context["hints"]) - 4


def test_browse_filters_and_chinese_keyword_search(client):
    zhejiang_need = NeedFactory(
        title="印染废水深度脱色技术需求", region=region(HANGZHOU), field=direction(0)
    )
    NeedFactory(title="注塑件翘曲变形控制", region=region(SHENZHEN), field=direction(10))
    NeedFactory(title="废水脱色（已关闭）", status=ListingStatus.CLOSED)
    NeedFactory(title="过期的废水需求", expires_at=timezone.now() - timedelta(days=1))
    url = reverse("repositories:list", kwargs={"kind": "need"})

    def titles(**params):
        return [listing.title for listing in client.get(url, params).context["page"]]

    assert titles(q="废水脱色") == ["印染废水深度脱色技术需求"]
    assert titles(q="印染 脱色") == ["印染废水深度脱色技术需求"]
    assert titles(region=ZHEJIANG) == ["印染废水深度脱色技术需求"]
    assert titles(region=GUANGDONG) == ["注塑件翘曲变形控制"]
    domain = direction(0).parent.parent
    expected = sorted(
        listing.title for listing in Need.objects.live().filter(field__code__startswith=domain.code)
    )
    assert sorted(titles(field=domain.code)) == expected
    assert zhejiang_need.title in expected
    assert titles(days=7) and len(titles()) == 2


def _index_for_keywords(listings):
    """Put listings in the search index for BM25 (their vectors are not what is tested)."""
    rng = np.random.default_rng(7)
    get_backend().add_many(
        SearchDocument(
            id=f"{listing.kind}:{listing.pk}",
            kind=listing.kind,
            tokens=tokenize(f"{listing.title}。{listing.problem}"),
            vector=normalize(rng.normal(size=384).astype(np.float32)),
            model="test",
        )
        for listing in listings
    )


def test_keyword_search_puts_the_most_relevant_first(client, settings, tmp_path):
    settings.SEARCH_INDEX_DIR = str(tmp_path)
    now = timezone.now()
    passing = NeedFactory(
        title="园区综合能源管理平台建设",
        problem="需要对园区的电、气、废水处理站能耗进行统一监测。",
        published_at=now,
    )
    focused = NeedFactory(
        title="印染废水深度处理与回用技术",
        problem="印染废水色度高、COD高，现有废水处理工艺出水不稳定，需要废水深度处理与回用方案。",
        published_at=now - timedelta(days=30),
    )
    unindexed = NeedFactory(
        title="废水在线监测仪表选型", problem="刚发布，尚未进入索引。", published_at=now
    )
    _index_for_keywords([passing, focused])
    url = reverse("repositories:list", kwargs={"kind": "need"})

    page = client.get(url, {"q": "废水处理"}).context["page"]
    # The need about waste water comes first though older; one the index has not caught up with
    # (or that BM25 did not rank) follows by date rather than disappearing.
    assert [n.pk for n in page] == [focused.pk, passing.pk]
    page = client.get(url, {"q": "废水"}).context["page"]
    assert [n.pk for n in page] == [focused.pk, passing.pk, unindexed.pk]
    # Without a query: newest first.
    assert [n.pk for n in client.get(url).context["page"]][-1] == focused.pk
    # The API's q ranks the same way (unless an ordering is asked for).
    api_url = reverse("api:need-list")
    rows = client.get(api_url, {"q": "废水"}).json()["results"]
    assert [row["id"] for row in rows] == [focused.pk, passing.pk, unindexed.pk]
    rows = client.get(api_url, {"q": "废水", "ordering": "-published_at"}).json()["results"]
    assert [row["id"] for row in rows][-1] == focused.pk


def test_keyword_search_falls_back_to_date_order_when_the_index_fails(client, monkeypatch, caplog):
    older = NeedFactory(title="废水处理", published_at=timezone.now() - timedelta(days=3))
    newer = NeedFactory(title="废水回用", published_at=timezone.now())

    def broken(*args, **kwargs):
        raise OSError("index unavailable")

    monkeypatch.setattr(get_backend(), "keyword_search", broken)
    response = client.get(reverse("repositories:list", kwargs={"kind": "need"}), {"q": "废水"})
    assert response.status_code == 200
    assert [n.pk for n in response.context["page"]] == [newer.pk, older.pk]
    assert "keyword ranking failed" in caplog.text


def test_bad_filters_are_ignored_with_a_message(client):
    NeedFactory()
    response = client.get(reverse("repositories:list", kwargs={"kind": "need"}), {"field": "nope"})
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    assert list(response.context["messages"])


def test_achievements_filter_by_maturity(client):
    AchievementFactory(title="实验室阶段的成果", maturity=3)
    AchievementFactory(title="可以量产的成果", maturity=8)
    response = client.get(
        reverse("repositories:list", kwargs={"kind": "achievement"}), {"maturity": 6}
    )
    assert [a.title for a in response.context["page"]] == ["可以量产的成果"]


def test_list_page_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    url = reverse("repositories:list", kwargs={"kind": "need"})
    NeedFactory.create_batch(3)
    with django_assert_max_num_queries(12):
        client.get(url)
    NeedFactory.create_batch(15)
    with django_assert_max_num_queries(12):
        client.get(url)


def test_home_counts_only_live_listings(client):
    NeedFactory.create_batch(2)
    NeedFactory(status=ListingStatus.DRAFT)
    AchievementFactory()
    counts = client.get(reverse("repositories:home")).context["counts"]
    assert (counts["need"], counts["achievement"], counts["project"]) == (2, 1, 0)


def test_attachments_respect_confidentiality(client, author):
    need = NeedFactory(created_by=author, organization=author.memberships.get().organization)
    client.force_login(author)
    upload = reverse("repositories:attachment_upload", kwargs={"kind": "need", "pk": need.pk})
    client.post(
        upload,
        {"file": SimpleUploadedFile("工艺图.pdf", b"%PDF-1.4 secret"), "is_confidential": "on"},
    )
    client.post(upload, {"file": SimpleUploadedFile("简介.pdf", b"%PDF-1.4 public")})
    bad = client.post(upload, {"file": SimpleUploadedFile("脚本.exe", b"MZ")}, follow=True)
    assert Attachment.objects.count() == 2
    assert any("exe" in str(m) for m in bad.context["messages"])
    secret = Attachment.objects.get(is_confidential=True)
    public = Attachment.objects.get(is_confidential=False)
    download = reverse("repositories:attachment_download", kwargs={"pk": secret.pk})
    assert client.get(download).status_code == 200

    client.logout()
    assert client.get(download).status_code == 404
    public_url = reverse("repositories:attachment_download", kwargs={"pk": public.pk})
    assert b"".join(client.get(public_url).streaming_content) == b"%PDF-1.4 public"
    client.force_login(cast_staff(ZHEJIANG))
    assert client.get(download).status_code == 200


def test_details_on_request(client):
    need = NeedFactory(confidential_details="内部参数：压力2MPa")
    owner = need.created_by
    asker = member_of(OrganizationFactory())
    client.force_login(asker)
    detail = need.get_absolute_url()
    assert "内部参数" not in client.get(detail).content.decode()
    request_url = reverse("repositories:access_request", kwargs={"kind": "need", "pk": need.pk})
    client.post(
        request_url, {"organization": asker.memberships.get().organization_id, "message": ""}
    )
    assert DetailAccessRequest.objects.count() == 0
    client.post(
        request_url,
        {
            "organization": asker.memberships.get().organization_id,
            "message": "我们有成熟方案，想了解工况",
        },
    )
    access_request = DetailAccessRequest.objects.get()

    # Only the owner decides.
    decide = reverse("repositories:access_request_decide", kwargs={"pk": access_request.pk})
    client.post(decide, {"grant": "1"})
    access_request.refresh_from_db()
    assert access_request.status == DetailAccessRequest.Status.PENDING

    client.force_login(owner)
    assert (
        access_request in client.get(reverse("repositories:workspace")).context["access_requests"]
    )
    client.post(decide, {"grant": "1"})
    client.force_login(asker)
    assert "内部参数" in client.get(detail).content.decode()


def test_workspace_lists_own_listings_with_status_filter(client, author):
    organization = author.memberships.get().organization
    NeedFactory(organization=organization, status=ListingStatus.DRAFT, title="草稿需求")
    NeedFactory(organization=organization, title="已发布需求")
    NeedFactory(title="别人的需求")
    client.force_login(author)
    titles = [x.title for x in client.get(reverse("repositories:workspace")).context["listings"]]
    assert sorted(titles) == ["已发布需求", "草稿需求"]
    drafts = client.get(reverse("repositories:workspace"), {"status": "draft"}).context["listings"]
    assert [x.title for x in drafts] == ["草稿需求"]


def test_review_from_the_queue_with_and_without_reason(client):
    need = NeedFactory(status=ListingStatus.SUBMITTED)
    client.force_login(cast_staff(ZHEJIANG))
    url = reverse("repositories:review", kwargs={"kind": "need", "pk": need.pk})
    queue = reverse("repositories:review_queue")
    response = client.post(url, {"decision": "return", "note": "", "next": queue}, follow=True)
    need.refresh_from_db()
    assert need.status == ListingStatus.SUBMITTED
    assert response.redirect_chain[-1][0] == queue
    client.post(url, {"decision": "return", "note": "请补充指标", "next": "https://evil.example/"})
    need.refresh_from_db()
    assert (need.status, need.review_note) == (ListingStatus.RETURNED, "请补充指标")


def test_field_choices_are_grouped_directions(client, author):
    client.force_login(author)
    form = client.get(reverse("repositories:create", kwargs={"kind": "need"})).context["form"]
    groups = [choice for choice in form.fields["field"].choices if isinstance(choice[1], list)]
    assert sum(len(options) for _, options in groups) == Field.objects.filter(level=3).count()


def test_too_long_and_out_of_range_input_is_refused_in_the_platforms_words(client, author):
    client.force_login(author)
    organization = author.memberships.get().organization
    response = client.post(
        reverse("repositories:create", kwargs={"kind": "need"}),
        {
            "organization": organization.pk,
            "title": "长" * 215,
            "summary": "摘要",
            "problem": "问题",
            "region": organization.region_id,
            "budget_min": "0",
            "budget_max": "99999999",
        },
    )
    amount = "必须大于 0，且不超过 1000000（即 100 亿元）。"
    assert _errors(response) == {
        "title": "标题不能超过 200 个字（现在 215 个）。",
        "budget_min": f"预算下限（万元）{amount}",
        "budget_max": f"预算上限（万元）{amount}",
    }
    assert Listing.objects.count() == 0


def test_budgets_up_to_ten_billion_yuan_are_accepted(client, author):
    client.force_login(author)
    organization = author.memberships.get().organization
    client.post(
        reverse("repositories:create", kwargs={"kind": "need"}),
        {
            "organization": organization.pk,
            "title": "一个正常的需求标题",
            "summary": "摘要",
            "problem": "问题",
            "region": organization.region_id,
            "budget_min": "0.01",
            "budget_max": "1000000",
        },
    )
    need = Need.objects.get()
    assert (str(need.budget_min), str(need.budget_max)) == ("0.01", "1000000.00")


def test_an_unsupported_attachment_type_is_refused_in_the_platforms_words(client, author):
    need = NeedFactory(created_by=author, organization=author.memberships.get().organization)
    client.force_login(author)
    upload = reverse("repositories:attachment_upload", kwargs={"kind": "need", "pk": need.pk})
    response = client.post(upload, {"file": SimpleUploadedFile("脚本.exe", b"MZ")}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "不支持 .exe 文件，请上传 PDF、Word、Excel、PowerPoint 文档或图片（PNG、JPG）。"
    ]


def test_cast_staff_are_offered_their_review_queues_not_listing_creation(client):
    staff = cast_staff(ZHEJIANG)
    client.force_login(staff)
    workspace = client.get(reverse("repositories:workspace")).content.decode()
    assert 'id="create-listing"' not in workspace
    assert reverse("repositories:create", kwargs={"kind": "need"}) not in workspace
    assert reverse("organizations:register") not in workspace
    assert 'id="reviewer-actions"' in workspace
    assert reverse("matching:review_queue") in workspace
    for url in (
        reverse("repositories:home"),
        reverse("repositories:list", kwargs={"kind": "need"}),
    ):
        assert "/new/" not in client.get(url).content.decode()
    response = client.get(reverse("repositories:create", kwargs={"kind": "need"}))
    assert response["Location"] == reverse("repositories:review_queue")


def test_members_of_an_enterprise_are_offered_listing_creation(client, author):
    client.force_login(author)
    workspace = client.get(reverse("repositories:workspace")).content.decode()
    assert 'id="create-listing"' in workspace and 'id="reviewer-actions"' not in workspace
    listing_page = client.get(reverse("repositories:list", kwargs={"kind": "need"}))
    assert reverse("repositories:create", kwargs={"kind": "need"}) in listing_page.content.decode()


def test_review_queue_lists_pending_revisions_in_few_queries(
    client, author, django_assert_max_num_queries
):
    staff = cast_staff(ZHEJIANG)
    organization = author.memberships.get().organization
    NeedFactory(organization=organization, status=ListingStatus.SUBMITTED)
    NeedFactory(organization=organization, pending_status="submitted", pending_changes={})
    client.force_login(staff)
    url = reverse("repositories:review_queue")
    with django_assert_max_num_queries(12):
        assert len(client.get(url).context["listings"]) == 2
    NeedFactory.create_batch(
        5, organization=organization, pending_status="submitted", pending_changes={}
    )
    NeedFactory(organization=organization, pending_status="returned", pending_changes={})
    with django_assert_max_num_queries(12):
        assert len(client.get(url).context["listings"]) == 7
