"""What the organizations app announces. Receivers (matching) only enqueue work."""

from django.dispatch import Signal

# Sent inside the transaction when an organization's profile or status changes.
# Arguments: organization_id.
organization_changed = Signal()
