import pytest

from organizations.selectors import actor_for


@pytest.fixture
def actor():
    """actor(user) → the Actor that services and selectors take."""
    return lambda user: actor_for(user=user)


@pytest.fixture(autouse=True)
def _fast_password_reset_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
