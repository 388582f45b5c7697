"""Contact between the parties after a match or a request: shared contacts, conversations,
messages with attachments, read marks, blocks and reports to the CAST staff.

Conversations sit above matching: they listen to the outcome log for the answers to a match
(matching never imports this app) and open a conversation when both sides are interested.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = _("Contact and conversations")

    def ready(self):
        from conversations import receivers  # noqa: F401  (connects the receivers)
