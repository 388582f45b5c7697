"""The platform's own wording for bad listing input, and the rules across fields.

The web forms and the API serializers both take their messages from `listing_error_messages`,
keyed by the error codes of Django's and DRF's validators, so that neither framework's stock
wording ("确保该变量包含不超过 200 字符") reaches the user. Every message names its field.
"""

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Amounts are in 10k CNY (万元): more than 0, at most 1,000,000 万元 (10 billion yuan).
AMOUNT_MIN = Decimal("0.01")
AMOUNT_MAX = Decimal("1000000")

ATTACHMENT_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "png", "jpg", "jpeg"]
ATTACHMENT_EXTENSION_MESSAGE = gettext_lazy(
    "Files of type .%(extension)s are not supported: upload a PDF, Word, Excel or PowerPoint "
    "document or an image (PNG, JPG)."
)

_AMOUNT_CODES = (
    "min_value",
    "max_value",
    "max_digits",
    "max_whole_digits",
    "max_string_length",
)


def _with_label(message, label):
    # Only the label is filled in here; Django fills in the other placeholders from the
    # error's params (limit_value, show_value, extension) when it shows the message.
    return str(message).replace("%(label)s", str(label))


def listing_error_messages(model_field, label=None):
    """{error code: message} for a form or serializer field built from this model field."""
    label = label or capfirst(model_field.verbose_name)
    messages = {}
    if isinstance(model_field, (models.CharField, models.TextField)) and model_field.max_length:
        messages["max_length"] = _(
            "%(label)s cannot be longer than %(limit_value)s characters (now %(show_value)s)."
        )
    if isinstance(model_field, models.DecimalField):
        amount = _("%(label)s must be more than 0 and at most 1,000,000 (10 billion yuan).")
        messages.update(dict.fromkeys(_AMOUNT_CODES, amount))
        messages["invalid"] = _("Enter %(label)s as a number, such as 50 or 12.5.")
        messages["max_decimal_places"] = _("%(label)s can have at most 2 decimal places.")
    if isinstance(model_field, models.DateField):
        messages["invalid"] = _("Enter %(label)s as a date, such as 2026-06-30.")
    if isinstance(model_field, models.FileField):
        messages["invalid_extension"] = ATTACHMENT_EXTENSION_MESSAGE
    return {code: _with_label(message, label) for code, message in messages.items()}


def listing_rule_errors(*, model, values):
    """{field name: message} for the rules across fields, given the values that are valid so far.

    The forms and serializers call this together with their field checks, so that every
    problem shows on the first submit; the services call it again before saving.
    """

    def label(name):
        return capfirst(model._meta.get_field(name).verbose_name)

    errors = {}
    budget_min, budget_max = values.get("budget_min"), values.get("budget_max")
    if budget_min is not None and budget_max is not None and budget_min > budget_max:
        errors["budget_max"] = _("%(label)s must not be below %(other)s.") % {
            "label": label("budget_max"),
            "other": label("budget_min"),
        }
    deadline = values.get("deadline")
    if deadline and deadline < timezone.localdate():
        errors["deadline"] = _("%(label)s must not be in the past.") % {"label": label("deadline")}
    return errors
