"""E-mail: printed to the console unless EMAIL_URL names an SMTP server."""

from config.env import env

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="TechBridge <noreply@techbridge.localhost>")
# Links in e-mails point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
