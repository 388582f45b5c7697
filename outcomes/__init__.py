"""The outcome log: an append-only record of what happened to whom.

Lower apps record facts here in the same transaction as the change (a need published, a match
pushed, an answer …); funnels, credit and the case bank are derived from it, and higher apps
listen to `outcome_recorded` to enqueue their work (pushes, webhooks). Corrections are new events.
"""
