"""Pushing new listings: instant notifications, digests, and the hook in the listing review."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from organizations.selectors import actor_for
from repositories.models import ListingStatus
from repositories.services import listing_import_row, listing_review
from subscriptions.models import Frequency, SubscriptionHit
from subscriptions.services import subscription_send_digests
from subscriptions.tasks import push_new_listing, send_subscription_digests
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    cast_staff,
    member_of,
    region,
)
from tests.subscriptions.conftest import field

pytestmark = pytest.mark.django_db

WATER = "050102"


def water_need(**kwargs):
    values = {
        "title": "印染废水深度脱色处理技术需求",
        "summary": "印染企业寻求低成本的废水脱色与回用工艺。",
        "problem": "现有生化处理后色度仍超标，需要新的深度处理方法。",
        "field": field(WATER),
        "region": region(HANGZHOU),
    }
    return NeedFactory(**{**values, **kwargs})


def pushes(user=None):
    notifications = Notification.objects.filter(topic=Notification.Topic.SUBSCRIPTION)
    return notifications.filter(user=user) if user else notifications


def test_an_instant_push_notifies_each_person_once_in_app_and_by_mail(
    subscribe, django_capture_on_commit_callbacks, mailoutbox
):
    alice, bob = UserFactory(), UserFactory()
    subscribe(user=alice, keywords="废水", name="废水处理")
    subscribe(user=alice, regions=[region(ZHEJIANG)], name="浙江")
    subscribe(user=alice, fields=[field("05")], frequency=Frequency.DAILY)
    subscribe(user=bob, fields=[field("0501")], kinds=["need"])
    need = water_need()

    with django_capture_on_commit_callbacks(execute=True):
        assert push_new_listing.delay(need.pk).get() == 2

    (to_alice,) = pushes(alice)
    (to_bob,) = pushes(bob)
    assert to_alice.url == to_bob.url == need.get_absolute_url()
    assert "印染废水深度脱色处理技术需求" in to_alice.title
    assert "印染企业寻求低成本的废水脱色与回用工艺。" in to_alice.body
    assert "废水处理" in to_alice.body and "浙江" in to_alice.body
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([alice.email, bob.email])
    assert need.get_absolute_url() in mailoutbox[0].body
    hits = SubscriptionHit.objects.filter(listing=need)
    assert hits.count() == 4
    assert hits.filter(notified_at__isnull=True).get().subscription.frequency == Frequency.DAILY


def test_running_the_push_twice_pushes_once(
    subscribe, mailoutbox, django_capture_on_commit_callbacks
):
    alice = UserFactory()
    subscribe(user=alice, keywords="废水")
    need = water_need()
    with django_capture_on_commit_callbacks(execute=True):
        push_new_listing(need.pk)
        push_new_listing(need.pk)
        # A subscription made in between matches too, but the person has had this listing.
        subscribe(user=alice, keywords="脱色")
        push_new_listing(need.pk)
    assert pushes(alice).count() == 1
    assert len(mailoutbox) == 1
    assert SubscriptionHit.objects.filter(listing=need).count() == 2
    assert not SubscriptionHit.objects.filter(listing=need, notified_at__isnull=True).exists()


def test_an_unpublished_or_missing_listing_is_never_pushed(subscribe):
    subscribe(keywords="废水")
    for need in (
        water_need(status=ListingStatus.SUBMITTED),
        water_need(expires_at=timezone.now() - timedelta(days=1)),
    ):
        assert push_new_listing(need.pk) == 0
    assert push_new_listing(999_999) == 0
    # Imported with its source's old date: not news.
    assert push_new_listing(water_need(published_at=timezone.now() - timedelta(days=30)).pk) == 0
    assert not SubscriptionHit.objects.exists() and not pushes().exists()


def test_digest_subscriptions_only_record_hits_until_the_digest(subscribe):
    subscribe(keywords="废水", frequency=Frequency.DAILY)
    need = water_need()
    push_new_listing(need.pk)
    assert not pushes().exists()
    assert SubscriptionHit.objects.get().digested_at is None


def test_a_digest_lists_each_new_listing_once_and_goes_out_once(
    subscribe, django_capture_on_commit_callbacks, mailoutbox
):
    alice, bob = UserFactory(), UserFactory()
    subscribe(user=alice, keywords="废水", frequency=Frequency.DAILY, name="废水日报")
    subscribe(user=alice, regions=[region(ZHEJIANG)], frequency=Frequency.DAILY, name="浙江日报")
    subscribe(user=alice, keywords="固态电池", frequency=Frequency.WEEKLY)
    subscribe(user=bob, keywords="锂电池回收", frequency=Frequency.DAILY)
    first = water_need()
    second = water_need(title="化工园区高盐废水零排放需求", region=region(HANGZHOU))
    battery = AchievementFactory(
        title="高安全固态电池电解质",
        summary="硫化物固态电解质。",
        description="离子电导率高。",
        region=region(SHENZHEN),
    )
    for listing in (first, second, battery):
        push_new_listing(listing.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_subscription_digests.delay("daily").get() == 1
        assert subscription_send_digests(frequency=Frequency.DAILY) == 0

    (digest,) = pushes(alice)
    assert "2" in digest.title and "3" not in digest.title
    assert digest.body.count("印染废水深度脱色处理技术需求") == 1
    assert digest.body.count("化工园区高盐废水零排放需求") == 1
    assert "废水日报、浙江日报" in digest.body
    assert "高安全固态电池电解质" not in digest.body  # weekly: not in the daily digest
    assert first.get_absolute_url() in digest.body and second.get_absolute_url() in digest.body
    assert digest.url == "/subscriptions/"
    (mail,) = mailoutbox
    assert mail.to == [alice.email] and "化工园区高盐废水零排放需求" in mail.body
    assert not pushes(bob).exists()
    daily = SubscriptionHit.objects.filter(subscription__frequency=Frequency.DAILY)
    assert not daily.filter(digested_at__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert subscription_send_digests(frequency=Frequency.WEEKLY) == 1
    assert "高安全固态电池电解质" in pushes(alice).exclude(pk=digest.pk).get().body


def test_a_digest_skips_what_was_pushed_at_once_paused_subscriptions_and_dead_listings(subscribe):
    alice, bob = UserFactory(), UserFactory()
    subscribe(user=alice, keywords="废水", name="废水即时")
    subscribe(user=alice, regions=[region(ZHEJIANG)], frequency=Frequency.DAILY, name="浙江日报")
    paused = subscribe(
        user=alice, keywords="锂电池回收", frequency=Frequency.DAILY, name="电池回收日报"
    )
    subscribe(user=bob, keywords="重金属", frequency=Frequency.DAILY)
    pushed = water_need()
    closing = water_need(title="电镀园区重金属污水治理需求", summary="寻求重金属去除工艺。")
    battery = AchievementFactory(title="废旧锂电池回收再利用技术", region=region(HANGZHOU))
    for listing in (pushed, closing, battery):
        push_new_listing(listing.pk)
    assert [n.url for n in pushes(alice)] == [pushed.get_absolute_url()]
    paused.is_active = False
    paused.save()
    closing.status = ListingStatus.CLOSED
    closing.save()

    assert subscription_send_digests(frequency=Frequency.DAILY) == 1

    digest = pushes(alice).exclude(url=pushed.get_absolute_url()).get()
    assert "废旧锂电池回收再利用技术（浙江日报）" in digest.body
    assert "印染废水深度脱色处理技术需求" not in digest.body
    assert "电镀园区重金属污水治理需求" not in digest.body
    assert not pushes(bob).exists()
    assert not SubscriptionHit.objects.filter(
        subscription__frequency=Frequency.DAILY, digested_at__isnull=True
    ).exists()


def test_publishing_a_listing_enqueues_the_push_once_the_review_commits(
    subscribe, django_capture_on_commit_callbacks
):
    subscriber = UserFactory()
    subscribe(user=subscriber, keywords="废水")
    need = water_need(status=ListingStatus.SUBMITTED, published_at=None)
    reviewer = actor_for(user=cast_staff(ZHEJIANG))

    with django_capture_on_commit_callbacks() as callbacks:
        listing_review(listing=need, actor=reviewer, approve=True)
    assert not pushes().exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    (notification,) = pushes(subscriber)
    assert notification.url == need.get_absolute_url()


def test_returning_a_listing_pushes_nothing(subscribe, django_capture_on_commit_callbacks):
    subscribe(keywords="废水")
    need = water_need(status=ListingStatus.SUBMITTED, published_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        listing_review(
            listing=need, actor=actor_for(user=cast_staff(ZHEJIANG)), approve=False, note="请补充"
        )
    assert not pushes().exists() and not SubscriptionHit.objects.exists()


def test_imported_published_listings_are_pushed(subscribe, django_capture_on_commit_callbacks):
    subscriber = UserFactory()
    subscribe(user=subscriber, keywords="废水")
    importer = OrganizationFactory(name="技术市场数据")
    data = {
        "title": "印染废水深度脱色处理技术需求",
        "summary": "印染企业寻求低成本的废水脱色与回用工艺。",
        "problem": "现有生化处理后色度仍超标。",
        "field": field(WATER),
    }
    for status, external_id in ((ListingStatus.PUBLISHED, "A-1"), (ListingStatus.DRAFT, "A-2")):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = listing_import_row(
                kind="need",
                organization=importer,
                user=member_of(importer),
                external_id=external_id,
                data=data,
                cooperation_modes=[],
                status=status,
            )
        assert outcome == "created"
    (notification,) = pushes(subscriber)
    assert notification.url.endswith(f"/{importer.listings.get(external_id='A-1').pk}/")
