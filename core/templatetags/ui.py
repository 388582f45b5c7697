from django import forms, template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext

register = template.Library()


@register.filter
def bootstrap(bound_field):
    """Render a form field's widget with Bootstrap's classes and its error state."""
    widget = bound_field.field.widget
    if isinstance(widget, (forms.CheckboxInput,)):
        css = "form-check-input"
    elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        css = ""
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    attrs = {"class": css} if css else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field):
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def is_multi_checkbox(bound_field):
    return isinstance(bound_field.field.widget, forms.CheckboxSelectMultiple)


@register.simple_tag(takes_context=True)
def query_with(context, **params):
    """The current query string with some parameters replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in params.items():
        query[key] = value
    return query.urlencode()


@register.filter
def field_labels(changes, instance):
    """The verbose names of the model fields named in a change record, joined for reading."""
    labels = []
    for name in changes:
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if hasattr(field, "verbose_name"):
            labels.append(str(field.verbose_name))
        else:
            labels.append(gettext("attachments") if name == "attachments" else name)
    return gettext(", ").join(labels)


@register.filter
def labelled_error(message, label):
    """A field's error message, led by the field's label unless the message already names it."""
    if str(label) in str(message):
        return message
    return gettext("%(label)s: %(message)s") % {"label": label, "message": message}
