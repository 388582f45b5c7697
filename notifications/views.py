from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.services import notification_mark_read


@login_required
def notification_centre(request):
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect(notification.url or "notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:list")
