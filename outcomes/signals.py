from django.dispatch import Signal

# Sent inside the transaction that records the event, right after the event is written.
# Receivers only record work to do after the commit, in that same transaction (outbox messages,
# webhook deliveries): never a broker call, an HTTP request or anything else that cannot be
# rolled back. Arguments: event (an OutcomeEvent).
outcome_recorded = Signal()
