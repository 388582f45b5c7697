from django import forms
from django.core.exceptions import ValidationError

from core.web import add_service_errors


class NameForm(forms.Form):
    name = forms.CharField()


def _bound():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    return form


def test_a_service_error_naming_a_field_goes_on_that_field():
    form = _bound()
    add_service_errors(form, ValidationError({"name": "Taken.", "secret": "Wrong."}))
    assert form.errors == {"name": ["Taken."], "__all__": ["Wrong."]}


def test_a_service_error_naming_no_field_goes_on_the_form():
    form = _bound()
    add_service_errors(form, ValidationError(["First.", "Second."]))
    assert form.errors == {"__all__": ["First.", "Second."]}
