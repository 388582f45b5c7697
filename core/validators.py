"""Validators shared by the forms and models of several apps."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# A mainland mobile number, or a landline: area code 0xx/0xxx, an optional hyphen, a 7- or
# 8-digit number, and an optional extension ("-8001", "转8001" or "#8001").
PHONE_PATTERN = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:(?:-|转|#)\d{1,6})?")


def validate_phone(value):
    if not PHONE_PATTERN.fullmatch(value.strip()):
        raise ValidationError(
            _(
                "Enter a mobile number (11 digits starting with 1) or a landline with its "
                "area code, such as 0571-88668888."
            ),
            code="invalid_phone",
        )
