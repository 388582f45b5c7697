"""Shared vocabularies: technical fields, regions, cooperation modes, maturity, IP status.

Fields, regions and cooperation modes are rows written by data migrations from taxonomy/data;
maturity and IP status are fixed scales, so they are choices.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalizedNameMixin(models.Model):
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.label

    @property
    def label(self):
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Field(LocalizedNameMixin):
    """A three-level technical field: domain (领域) → industry (产业) → direction (方向)."""

    class Level(models.IntegerChoices):
        DOMAIN = 1, _("domain")
        INDUSTRY = 2, _("industry")
        DIRECTION = 3, _("direction")

    code = models.CharField(_("code"), max_length=16, unique=True)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=Level.choices,
        validators=[MinValueValidator(Level.DOMAIN), MaxValueValidator(Level.DIRECTION)],
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("technical field")
        verbose_name_plural = _("technical fields")

    def lineage(self):
        """This field and its ancestors, top first."""
        chain = []
        node = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path_label(self):
        return " / ".join(node.label for node in self.lineage())


class Region(LocalizedNameMixin):
    """A province-level division or a prefecture-level city, keyed by its GB/T 2260 code."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        CITY = 2, _("city")

    code = models.CharField(_("code"), max_length=6, unique=True)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=Level.choices,
        validators=[MinValueValidator(Level.PROVINCE), MaxValueValidator(Level.CITY)],
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    @property
    def province(self):
        return self.parent if self.level == self.Level.CITY else self

    @property
    def path_label(self):
        if self.parent_id:
            return f"{self.parent.label} {self.label}"
        return self.label


class CooperationMode(LocalizedNameMixin):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("cooperation mode")
        verbose_name_plural = _("cooperation modes")


class Maturity(models.IntegerChoices):
    """Technology readiness level, as in GB/T 22900-2022."""

    TRL1 = 1, _("TRL 1 · basic principles observed")
    TRL2 = 2, _("TRL 2 · concept formulated")
    TRL3 = 3, _("TRL 3 · proof of concept")
    TRL4 = 4, _("TRL 4 · validated in the laboratory")
    TRL5 = 5, _("TRL 5 · validated in a relevant environment")
    TRL6 = 6, _("TRL 6 · prototype demonstrated (pilot)")
    TRL7 = 7, _("TRL 7 · system demonstrated in operation")
    TRL8 = 8, _("TRL 8 · system complete and qualified")
    TRL9 = 9, _("TRL 9 · proven in mass production")


class IPStatus(models.TextChoices):
    NONE = "none", _("no patent")
    TRADE_SECRET = "trade_secret", _("know-how / trade secret")
    PATENT_PENDING = "patent_pending", _("patent application pending")
    INVENTION_PATENT = "invention_patent", _("invention patent granted")
    UTILITY_MODEL = "utility_model", _("utility model patent")
    DESIGN_PATENT = "design_patent", _("design patent")
    SOFTWARE_COPYRIGHT = "software_copyright", _("software copyright")
