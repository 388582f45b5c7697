"""The transactional outbox: Celery tasks recorded in the transaction of the change they follow.

A service that must have work done after its change commits (an e-mail, a push, a webhook
delivery) calls outbox_enqueue() inside its transaction: the row commits or rolls back with the
change, so a committed change never lacks its work. Once the transaction commits the rows are
sent to the broker at once; what the broker did not take (an outage) stays pending, and the
relay_outbox task that beat runs every minute sends it later. Relaying may send a message twice
(a relay that dies between sending and marking), so every task sent this way must be safe to run
twice.
"""
