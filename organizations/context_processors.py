def memberships(request):
    """The signed-in user's active memberships, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_memberships": []}
    from organizations.selectors import membership_list_active

    return {"my_memberships": membership_list_active(user=user)}
