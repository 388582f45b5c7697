import pytest

from subscriptions.services import subscription_create
from taxonomy.models import Field
from tests.factories import UserFactory


def field(code):
    return Field.objects.get(code=code)


@pytest.fixture
def subscribe():
    """subscribe(user=None, **data) → a subscription made through the service."""

    def make(user=None, **data):
        return subscription_create(user=user or UserFactory(), data=data)

    return make
