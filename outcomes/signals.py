from django.dispatch import Signal

# Sent once the transaction that recorded the event commits; receivers only enqueue work.
# Arguments: event (an OutcomeEvent).
outcome_recorded = Signal()
