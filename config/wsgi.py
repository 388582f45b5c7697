import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

application = get_wsgi_application()

# Only a serving process loads this module (runserver's child, gunicorn's workers): without a
# broker, it runs beat's schedule itself.
from config.periodic import start_embedded_periodic_runner  # noqa: E402

start_embedded_periodic_runner()
