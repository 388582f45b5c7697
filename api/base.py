"""What every API view shares: the request's Actor, querysets scoped to it, and what only a
person may do."""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.ids import parse_id
from organizations.models import ApiToken
from organizations.selectors import Actor, actor_for


class ActorMixin:
    def get_actor(self) -> Actor:
        if not hasattr(self, "_actor"):
            token = self.request.auth if isinstance(self.request.auth, ApiToken) else None
            self._actor = actor_for(user=self.request.user, token=token)
        return self._actor


class TokenScope(BasePermission):
    """An API token does only what its scopes allow: reading always; anything else needs the
    scope the view names for the action (`token_scope_by_action`, or `token_scope` for all of
    its actions), or "write" for any other unsafe method."""

    @staticmethod
    def needed_scope(view, method: str) -> str | None:
        needed = view.token_scope_by_action.get(view.action, view.token_scope)
        if needed is None and method not in SAFE_METHODS:
            needed = ApiToken.Scope.WRITE
        return needed

    def has_permission(self, request, view):
        actor = view.get_actor()
        if not actor.via_token:
            return True
        needed = self.needed_scope(view, request.method)
        if needed is not None and needed not in actor.token_scopes:
            self.message = _("This API token may not %(what)s; create one that may.") % {
                "what": ApiToken.Scope(needed).label
            }
            return False
        return True


class ScopedViewSetMixin(ActorMixin):
    """Every queryset comes from scope_queryset(actor), so an unscoped one cannot be served,
    and an API token does only what its scopes allow (TokenScope).

    A viewset built on this mixin that sets `queryset` or overrides get_queryset is refused
    when its class is defined.
    """

    token_scope = None
    token_scope_by_action: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("queryset") is not None or "get_queryset" in cls.__dict__:
            raise ImproperlyConfigured(
                f"{cls.__name__}: define scope_queryset(actor) instead of queryset/get_queryset."
            )

    def scope_queryset(self, actor: Actor) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must define scope_queryset(actor)")

    def get_queryset(self) -> QuerySet:
        return self.scope_queryset(self.get_actor())

    def get_object(self):
        # An id no row can have (20 digits) finds nothing, before the database refuses it.
        if self.lookup_field in ("pk", "id"):
            value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
            if parse_id(value) is None:
                raise NotFound()
        return super().get_object()

    def get_permissions(self):
        return [*super().get_permissions(), TokenScope()]


class IsPerson(BasePermission):
    """Personal resources: a signed-in person only, never an organization's API token."""

    message = _(
        "This belongs to a person: sign in to manage yours. "
        "An organization's API token cannot reach it."
    )

    def has_permission(self, request, view):
        return view.get_actor().is_person
