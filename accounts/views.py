from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import SignUpForm
from accounts.legal import TERMS_VERSION, legal_template_names
from accounts.services import user_sign_up


def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_sign_up(**form.service_arguments())
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Now register your organization or join one."))
        return redirect("organizations:register")
    return render(request, "accounts/sign_up.html", {"form": form})


def legal_document(request, document):
    return render(
        request,
        legal_template_names(document=document),
        {"terms_version": TERMS_VERSION, "contact_email": settings.PRIVACY_CONTACT_EMAIL},
    )
