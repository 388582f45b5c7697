"""Demo data that reads as the months it stands for."""

from contextlib import contextmanager
from datetime import datetime
from unittest import mock


@contextmanager
def demo_clock(when: datetime):
    """Run the services as if it were `when`: every timestamp they take (created, published,
    the outcome log's) comes from django.utils.timezone.now. For demo loaders only."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield
