from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """Any requested ordering ends with the primary key, so pages never repeat or skip rows."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering = [*ordering, "-pk"]
        return ordering
