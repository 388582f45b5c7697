"""Model fields shared by the apps."""

from django.conf import settings
from django.db import models


def acting_user(**kwargs) -> models.ForeignKey:
    """Who took a step (created, decided, verified…): kept as NULL when the account is deleted,
    so the record of the step stays; never followed back from the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **kwargs,
    )
