"""Every API viewset serves only querysets scoped to the request's actor."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets
from rest_framework.generics import GenericAPIView

from api.base import ScopedViewSetMixin
from api.urls import router
from organizations.models import Organization

# Viewsets that serve figures, never rows: their selectors take the actor and decide what is
# aggregated and what is hidden (api/statistics.py, analytics.permissions).
AGGREGATES = {"statistics"}


@pytest.mark.parametrize(
    "viewset",
    [viewset for prefix, viewset, _basename in router.registry if prefix not in AGGREGATES],
    ids=str,
)
def test_every_registered_viewset_is_scoped(viewset):
    assert issubclass(viewset, ScopedViewSetMixin)
    defining = next(cls for cls in viewset.__mro__ if "scope_queryset" in vars(cls))
    assert defining is not ScopedViewSetMixin


def test_an_unscoped_queryset_cannot_be_written():
    with pytest.raises(ImproperlyConfigured, match="scope_queryset"):

        class Unscoped(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
            queryset = Organization.objects.all()

    with pytest.raises(ImproperlyConfigured, match="scope_queryset"):

        class Overridden(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
            def get_queryset(self):
                return Organization.objects.all()


@pytest.mark.parametrize(
    "viewset",
    [viewset for prefix, viewset, _basename in router.registry if prefix in AGGREGATES],
    ids=str,
)
def test_aggregate_viewsets_serve_no_rows_and_only_read(viewset):
    assert not issubclass(viewset, GenericAPIView)
    assert viewset.http_method_names == ["get", "head", "options"]
