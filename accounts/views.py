from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language as django_set_language

from accounts.forms import LoginForm, SignUpForm, SignUpLinkResendForm
from accounts.legal import TERMS_VERSION, legal_template_names
from accounts.models import SignUp
from accounts.services import (
    sign_up_confirm,
    sign_up_link_resend,
    user_language_remember,
    user_sign_up,
)
from accounts.throttling import sign_up_email_allowed
from accounts.tokens import LinkError, sign_up_token_read

# The address a link was last sent to from this browser, shown on the "check your inbox" page.
SENT_TO_SESSION_KEY = "accounts.sign_up_sent_to"


def _too_many():
    return _(
        "Too many sign-up e-mails were asked for this address or from your network. "
        "Try again in an hour."
    )


def _sent(request, *, email):
    """Where every accepted sign-up and resend goes, whatever happened to the address."""
    request.session[SENT_TO_SESSION_KEY] = email
    return redirect("accounts:sign_up_sent")


@require_http_methods(["GET", "POST"])
def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not sign_up_email_allowed(request=request, email=email):
            form.add_error(None, _too_many())
            return render(request, "accounts/sign_up.html", {"form": form}, status=429)
        user_sign_up(**form.service_arguments())
        return _sent(request, email=email)
    return render(request, "accounts/sign_up.html", {"form": form})


def sign_up_sent(request):
    email = request.session.get(SENT_TO_SESSION_KEY, "")
    return render(
        request,
        "accounts/sign_up_sent.html",
        {
            "email": email,
            "days": settings.SIGN_UP_CONFIRMATION_DAYS,
            "form": SignUpLinkResendForm(initial={"email": email}),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_up_resend(request):
    form = SignUpLinkResendForm(
        request.POST or None, initial={"email": request.session.get(SENT_TO_SESSION_KEY, "")}
    )
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not sign_up_email_allowed(request=request, email=email):
            form.add_error(None, _too_many())
            return render(request, "accounts/sign_up_resend.html", {"form": form}, status=429)
        sign_up_link_resend(email=email)
        return _sent(request, email=email)
    return render(request, "accounts/sign_up_resend.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sign_up_confirmation(request, token):
    """The link in the e-mail. Opening it shows the account to be made; the button makes it.

    A GET changes nothing because mail systems open links on their own (virus scanners,
    previews): the account is made, and its owner signed in, only by a person's click.
    """
    try:
        if request.method == "POST":
            user = sign_up_confirm(token=token)
        else:
            sign_up = sign_up_token_read(token=token, sign_ups=SignUp.objects.all())
    except LinkError as error:
        return render(
            request,
            "accounts/sign_up_link_error.html",
            {"reason": error.reason, "form": SignUpLinkResendForm()},
            status=400,
        )
    if request.method == "GET":
        return render(request, "accounts/sign_up_confirm.html", {"sign_up": sign_up})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome! Now register your organization or join one."))
    return redirect("organizations:register")


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        awaiting = getattr(context["form"], "awaiting_sign_up", None)
        if awaiting is not None:
            context["resend_form"] = SignUpLinkResendForm(initial={"email": awaiting.email})
        return context


def legal_document(request, document):
    return render(
        request,
        legal_template_names(document=document),
        {"terms_version": TERMS_VERSION, "contact_email": settings.PRIVACY_CONTACT_EMAIL},
    )


def set_language(request):
    """Django's language button, which also remembers a signed-in person's choice: their
    notifications and e-mails follow it, on whatever device they are read."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_language_remember(user=request.user, language=request.POST.get("language", ""))
    return response
