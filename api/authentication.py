from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from organizations.selectors import api_token_authenticate, token_creator_is_active_member
from organizations.services import api_token_touch


class OrganizationTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token tb_…` — a program acting for one organization.

    request.user is the token's creator and request.auth the token, whose organization
    bounds what the request may do.
    """

    def authenticate_credentials(self, key):
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s; an administrator can create a new one.")
                % {"date": timezone.localtime(token.expires_at).strftime("%Y-%m-%d")}
            )
        if not token_creator_is_active_member(token=token):
            raise exceptions.AuthenticationFailed(
                _("The token's creator no longer belongs to its organization.")
            )
        api_token_touch(token=token)
        return token.created_by, token
