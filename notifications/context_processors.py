def unread_notifications(request):
    """The unread count for the navigation bar badge."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.selectors import notification_unread_count

    return {"unread_notification_count": notification_unread_count(user=user)}
