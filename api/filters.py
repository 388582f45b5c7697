from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """Any requested ordering ends with the primary key, so pages never repeat or skip rows.

    A keyword query ranks by relevance (relevance_rank, or a KeywordRankedQuerySet): kept
    unless another order is asked.
    """

    def filter_queryset(self, request, queryset, view):
        ranked = getattr(queryset, "ranked_by_keywords", False)
        if (ranked or "relevance_rank" in queryset.query.annotations) and not (
            request.query_params.get(self.ordering_param)
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering = [*ordering, "-pk"]
        return ordering
