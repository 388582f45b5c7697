"""The outcome log: an append-only record of what happened to whom.

Lower apps record facts here in the same transaction as the change (a need published, a match
pushed, an answer …); funnels, credit and the case bank are derived from it, and higher apps
listen to `outcome_recorded`, in the same transaction, to record their work (pushes, webhooks)
in the outbox. Corrections are new events.
"""
