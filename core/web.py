from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


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
