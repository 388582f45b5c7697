"""The subscription settings pages (/subscriptions/)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from subscriptions.models import Frequency, Subscription
from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    UserFactory,
    region,
)
from tests.subscriptions.conftest import field

pytestmark = pytest.mark.django_db

LIST = "/subscriptions/"


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


def form_errors(response):
    return response.context["form"].errors


def test_the_pages_need_a_signed_in_person(client, subscribe):
    subscription = subscribe(keywords="废水")
    for url in (LIST, f"{LIST}{subscription.pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    response = client.post(f"{LIST}{subscription.pk}/delete/")
    assert response.status_code == 302 and Subscription.objects.filter(pk=subscription.pk).exists()


def test_the_menu_links_to_the_subscriptions(client, user):
    assert f'href="{LIST}"' in client.get(reverse("repositories:home")).content.decode()


def test_the_list_shows_only_ones_own_subscriptions(client, user, subscribe):
    subscribe(user=user, keywords="锂电池回收", name="电池回收动态")
    subscribe(keywords="印染废水", name="别人的订阅")
    page = client.get(LIST).content.decode()
    assert "电池回收动态" in page and "别人的订阅" not in page
    assert 'id="subscription-form"' in page


def test_creating_a_subscription(client, user):
    response = client.post(
        LIST,
        {
            "name": "",
            "keywords": "锂电池回收；固态电池",
            "fields": [field("04").pk, field("0402").pk],
            "regions": [region(ZHEJIANG).pk],
            "kinds": ["achievement", "project"],
            "frequency": Frequency.DAILY,
            "action": "save",
        },
    )
    assert response.status_code == 302 and response.url == LIST
    subscription = Subscription.objects.get(user=user)
    assert subscription.name == "锂电池回收、固态电池、新材料与新能源"
    assert subscription.keywords == "锂电池回收，固态电池"
    assert subscription.kinds == ["achievement", "project"]
    assert {f.code for f in subscription.fields.all()} == {"04", "0402"}
    assert list(subscription.regions.all()) == [region(ZHEJIANG)]
    assert subscription.frequency == Frequency.DAILY


def test_bad_input_is_shown_by_field_and_nothing_is_saved(client, user):
    nothing = client.post(LIST, {"keywords": "", "frequency": "instant", "action": "save"})
    assert nothing.status_code == 200
    assert list(form_errors(nothing)) == ["__all__"]
    stopwords = client.post(LIST, {"keywords": "的；和", "frequency": "instant"})
    assert list(form_errors(stopwords)) == ["keywords"]
    assert 'data-field="keywords"' in stopwords.content.decode()
    unknown = client.post(LIST, {"regions": [999_999], "kinds": ["patent"], "frequency": "hourly"})
    assert set(form_errors(unknown)) == {"regions", "kinds", "frequency"}
    assert "选择一个有效的选项" in form_errors(unknown)["regions"][0]
    assert not Subscription.objects.exists()


def test_the_limit_is_a_form_error(client, user, subscribe, settings):
    settings.SUBSCRIPTIONS_PER_USER_MAX = 1
    subscribe(user=user, keywords="废水")
    response = client.post(LIST, {"keywords": "氢能", "frequency": "instant"})
    assert response.status_code == 200 and form_errors(response)["__all__"]
    assert Subscription.objects.filter(user=user).count() == 1


def test_the_preview_shows_what_the_criteria_would_push_without_saving(client, user):
    AchievementFactory(title="废旧锂电池回收再利用技术", region=region(HANGZHOU))
    NeedFactory(title="印染废水深度脱色处理技术需求")
    data = {"keywords": "锂电池回收", "frequency": "instant", "action": "preview"}
    page = client.post(LIST, data).content.decode()
    assert "废旧锂电池回收再利用技术" in page and "印染废水深度脱色处理技术需求" not in page
    partial = client.post(LIST, data, headers={"HX-Request": "true"})
    assert "废旧锂电池回收再利用技术" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    assert not Subscription.objects.exists()


def test_editing_shows_the_preview_and_saves(client, user, subscribe):
    AchievementFactory(title="废旧锂电池回收再利用技术")
    subscription = subscribe(user=user, keywords="锂电池回收")
    page = client.get(f"{LIST}{subscription.pk}/")
    assert page.status_code == 200
    assert "废旧锂电池回收再利用技术" in page.content.decode()
    assert page.context["form"]["keywords"].value() == "锂电池回收"
    response = client.post(
        f"{LIST}{subscription.pk}/",
        {"name": "电池", "keywords": "固态电池", "frequency": "weekly", "action": "save"},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.name, subscription.keywords, subscription.frequency) == (
        "电池",
        "固态电池",
        "weekly",
    )


def test_pause_resume_and_delete(client, user, subscribe):
    subscription = subscribe(user=user, keywords="废水")
    client.post(f"{LIST}{subscription.pk}/toggle/")
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert [s.is_active for s in client.get(LIST).context["subscriptions"]] == [False]
    client.post(f"{LIST}{subscription.pk}/toggle/")
    subscription.refresh_from_db()
    assert subscription.is_active
    assert client.get(f"{LIST}{subscription.pk}/toggle/").status_code == 405
    client.post(f"{LIST}{subscription.pk}/delete/")
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_other_peoples_subscriptions_are_not_found(client, user, subscribe):
    theirs = subscribe(keywords="废水", name="别人的订阅")
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    data = {"keywords": "改掉", "frequency": "instant"}
    assert client.post(f"{LIST}{theirs.pk}/", data).status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/toggle/").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert (theirs.keywords, theirs.is_active) == ("废水", True)


def test_the_list_page_takes_as_many_queries_for_many_subscriptions_as_for_one(
    client, user, subscribe
):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    subscribe(user=user, fields=[field("050102")], regions=[region(HANGZHOU)], kinds=["need"])
    one = count_queries()
    for code in ("04", "0402", "040204"):
        subscribe(user=user, fields=[field(code)], regions=[region(ZHEJIANG)], keywords="电池")
    assert count_queries() == one
