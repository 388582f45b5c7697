from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepositoriesConfig(AppConfig):
    name = "repositories"
    verbose_name = _("Repositories")

    def ready(self):
        from repositories import counts
        from repositories.lookups import HoldsTokens
        from repositories.models import Listing

        Listing._meta.get_field("search_text").register_lookup(HoldsTokens)
        counts.connect_receivers()
