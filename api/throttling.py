"""DRF's throttles, counting anonymous clients by the address core.client_ip trusts."""

from rest_framework import throttling

from core.client_ip import client_ip


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_ident(self, request):
        return client_ip(request)


class UserRateThrottle(throttling.UserRateThrottle):
    def get_ident(self, request):
        return client_ip(request)
