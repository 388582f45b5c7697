"""Validators shared by the forms and models of several apps."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.text import capfirst
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


# Characters that change what a line shows without being seen: zero-width spaces and joiners,
# the word joiner, the byte-order mark, and the bidi embeddings, overrides and isolates that
# make a title read differently from what it holds ("Trojan Source").
INVISIBLE_CHARACTERS = re.compile("[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")

# Long free text (a listing's description, an organization's introduction): enough for the
# longest real listings seen (about 6,000 characters), bounded so that no single field can
# carry megabytes into the search index and the e-mails.
LONG_TEXT_MAX_LENGTH = 10000


@deconstructible
class PlainLineValidator:
    """A title or a name: one line of visible text, no control, invisible or bidi characters."""

    code = "invalid_characters"

    def __init__(self, label):
        self.label = label

    def __call__(self, value):
        control = any(unicodedata.category(character) == "Cc" for character in value)
        if control or INVISIBLE_CHARACTERS.search(value):
            raise ValidationError(
                _(
                    "%(label)s cannot contain line breaks, control characters, invisible "
                    "characters or text-direction marks."
                ),
                code=self.code,
                params={"label": capfirst(self.label)},
            )

    def __eq__(self, other):
        return isinstance(other, PlainLineValidator) and self.label == other.label
