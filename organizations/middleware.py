from django.utils.functional import SimpleLazyObject

from organizations.selectors import actor_for


class ActorMiddleware:
    """request.actor: the signed-in user with their organizations and review regions, on demand."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(lambda: actor_for(user=request.user))
        return self.get_response(request)
