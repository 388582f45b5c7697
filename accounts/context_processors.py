from django.conf import settings


def site_registration(request):
    """The ICP record number (ICP备案号) shown in the footer, when one is configured."""
    return {"icp_record": settings.ICP_RECORD}
