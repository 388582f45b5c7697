"""factory_boy factories over the real taxonomy rows that the data migrations load."""

import factory
from django.utils import timezone

from accounts.models import User
from organizations.models import ApiToken, Membership, Organization
from organizations.selectors import actor_for
from organizations.services import api_token_create
from repositories.models import Achievement, ListingKind, ListingStatus, Need, Project, Talent
from repositories.services import listing_text
from search.text import tokenize
from taxonomy.models import Field, Region

HANGZHOU = "330100"
NINGBO = "330200"
ZHEJIANG = "330000"
SHENZHEN = "440300"
GUANGDONG = "440000"


def region(code):
    return Region.objects.get(code=code)


def direction(index=0):
    return Field.objects.filter(level=Field.Level.DIRECTION).order_by("code")[index]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试机构{n}")
    kind = Organization.Kind.ENTERPRISE
    region = factory.LazyFunction(lambda: region(HANGZHOU))
    contact_name = "王工"
    contact_phone = "13800000000"
    status = Organization.Status.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.ADMIN
    status = Membership.Status.ACTIVE


def member_of(organization, role=Membership.Role.ADMIN, **user_fields):
    """A new user who is an active member of the organization."""
    return MembershipFactory(
        organization=organization, role=role, user=UserFactory(**user_fields)
    ).user


def cast_staff(region_code, **user_fields):
    """A user working for a verified local CAST office of the region."""
    office = OrganizationFactory(
        kind=Organization.Kind.CAST_OFFICE, region=region(region_code), name=f"科协{region_code}"
    )
    return member_of(office, role=Membership.Role.MEMBER, **user_fields)


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"测试条目{n}")
    summary = "一段公开摘要，说明这条信息的要点。"
    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.LazyAttribute(lambda o: member_of(o.organization))
    region = factory.LazyAttribute(lambda o: o.organization.region)
    field = factory.LazyFunction(direction)
    status = ListingStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=180))

    @factory.post_generation
    def search_text(obj, create, extracted, **kwargs):
        """What the services would derive on save: the tokens keyword search looks in."""
        obj.search_text = " ".join(tokenize(listing_text(obj)))
        if create:
            type(obj).objects.filter(pk=obj.pk).update(search_text=obj.search_text)


class NeedFactory(ListingFactory):
    class Meta:
        model = Need

    kind = ListingKind.NEED
    problem = "现有工艺回收率低于90%，需要新的分离方法。"
    confidential_details = "内部工艺参数：温度80℃。"


class AchievementFactory(ListingFactory):
    class Meta:
        model = Achievement

    kind = ListingKind.ACHIEVEMENT
    description = "一种高效分离技术，回收率达到98%。"
    maturity = 6


class ProjectFactory(ListingFactory):
    class Meta:
        model = Project

    kind = ListingKind.PROJECT
    description = "项目寻求中试基地。"
    stage = Project.Stage.PILOT
    seeking = ["pilot_site"]


class TalentFactory(ListingFactory):
    class Meta:
        model = Talent

    kind = ListingKind.TALENT
    title = factory.Sequence(lambda n: f"专家{n}")
    institution_name = "江南理工大学"
    disciplines = "材料科学"
    research_interests = "锂电池材料回收"


def api_token_for(organization, user=None, name="ERP 对接", scopes=None):
    """(token, raw key) for the organization, created by an admin (a new one unless given),
    with every scope the organization's tokens may have unless `scopes` says otherwise."""
    user = user or member_of(organization)
    if scopes is None:
        scopes = [ApiToken.Scope.WRITE, ApiToken.Scope.WEBHOOKS]
        if organization.kind == Organization.Kind.CAST_OFFICE:
            scopes.append(ApiToken.Scope.REVIEW)
    return api_token_create(
        organization=organization, actor=actor_for(user=user), name=name, scopes=scopes
    )
