from celery import shared_task

from challenges.services import challenge_invite, challenges_close_due


@shared_task(acks_late=True, ignore_result=True)
def close_due_challenges():
    """Hourly (beat): close applications of challenges past their closing day. Safe to run
    twice."""
    return challenges_close_due()


@shared_task(acks_late=True, ignore_result=True)
def invite_for_challenge(challenge_id: int):
    """A challenge was published: the matcher invites the best-matched organizations."""
    challenge_invite(challenge_id=challenge_id)
