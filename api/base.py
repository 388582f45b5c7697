"""What every API view shares: the request's Actor, and what only a person may do."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from organizations.models import ApiToken
from organizations.selectors import Actor, actor_for


class ActorMixin:
    def get_actor(self) -> Actor:
        if not hasattr(self, "_actor"):
            token = self.request.auth if isinstance(self.request.auth, ApiToken) else None
            self._actor = actor_for(user=self.request.user, token=token)
        return self._actor


class IsPerson(BasePermission):
    """Personal resources: a signed-in person only, never an organization's API token."""

    message = _(
        "This belongs to a person: sign in to manage yours. "
        "An organization's API token cannot reach it."
    )

    def has_permission(self, request, view):
        return view.get_actor().is_person
