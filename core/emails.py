"""The platform's letters: one line of subject, text and HTML."""

import unicodedata

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def header_safe(text):
    """One line for an e-mail header: control characters and line breaks become spaces."""
    cleaned = "".join(
        " " if unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"} else character
        for character in text
    )
    return " ".join(cleaned.split())


def site_letter(*, subject, template, context, to):
    """A letter from `template`.txt and `template`.html, its subject marked as the platform's.
    Build it in the language it is to be read in (translation.override)."""
    message = EmailMultiAlternatives(
        subject=header_safe(f"[{_('TechBridge')}] {subject}"),
        body=render_to_string(f"{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
