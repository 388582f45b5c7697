"""A verified technology manager in Hangzhou, and the conversations' world around a deal: the
enterprise's need and the university's achievement."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from managers.models import ManagerProfile
from managers.services import certificate_decide, certificate_submit, mandate_accept, mandate_offer
from organizations.selectors import actor_for
from tests.conversations.conftest import (  # noqa: F401  (fixtures)
    answer,
    conversation,
    world,
)
from tests.factories import HANGZHOU, UserFactory, region

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def act(user):
    return actor_for(user=user)


def certificate_file():
    return SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf")


def make_manager(staff, *, username="mgr_li", name="李经理", verify=True):
    user = UserFactory(username=username, display_name=name)
    profile = ManagerProfile.objects.create(
        user=user,
        name=name,
        headline="新材料成果转化十年",
        bio="曾任专利审查员，主持多项高校成果许可。",
        region=region(HANGZHOU),
    )
    certificate_submit(
        actor=act(user),
        profile=profile,
        number="JSJL-2025-000123",
        issuer="中国科学技术交流中心",
        level="中级",
        file=certificate_file(),
    )
    if verify:
        certificate_decide(actor=act(staff), profile=profile, approve=True)
    profile.refresh_from_db()
    return profile


@pytest.fixture
def manager(world):  # noqa: F811  (the fixture imported above)
    return make_manager(world.staff)


def offer(world, manager, *, listings=None, **terms):  # noqa: F811
    values = {
        "scope_note": "代表研究院推进红外开关成果的许可谈判。",
        "base_fee": Decimal("5000"),
        "success_share": Decimal("3"),
        "cap": Decimal("50000"),
        "starts_on": timezone.localdate() - timedelta(days=10),
        "ends_on": timezone.localdate() + timedelta(days=365),
    }
    values.update(terms)
    return mandate_offer(
        actor=act(world.scientist),
        organization=world.university,
        manager=manager,
        listings=listings if listings is not None else [world.achievement],
        **values,
    )


@pytest.fixture
def mandate(world, manager):  # noqa: F811
    """The university's mandate on its achievement, accepted and in force."""
    return mandate_accept(actor=act(manager.user), mandate=offer(world, manager))
