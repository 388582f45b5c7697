from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def site_url(path):
    """`path` on the site, for a link read away from it (a mailbox, a webhook's receiver)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def redirect_next(request, default, **kwargs):
    """Redirect to the form's `next` if it points into this site, else to `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default, **kwargs)


def error_text(error):
    """A ValidationError's or PermissionDenied's message(s) as one line for a flash message."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def add_service_errors(form, error):
    """Put a service's ValidationError on the form: on the fields it names, else the form's."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
