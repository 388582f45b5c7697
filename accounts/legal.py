"""The user agreement and privacy policy: which version is in force, and its text per language.

The texts are whole documents (templates/accounts/legal/<document>.<language>.html), not
catalogue strings: a legal text is reviewed and versioned as one piece. Changing either text
means a new TERMS_VERSION, so that each consent names the text the person actually saw.
"""

from django.utils.translation import get_language

TERMS_VERSION = "2026-12-03"


def legal_template_names(*, document):
    """The document in the current language first, then in Chinese, which always exists."""
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    return [f"accounts/legal/{document}.{language}.html", f"accounts/legal/{document}.zh-hans.html"]
