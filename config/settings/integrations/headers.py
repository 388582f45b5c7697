"""What browsers are told about a page: its Content-Security-Policy (django-csp)."""

from csp.constants import NONCE, NONE, SELF

# Everything (Bootstrap, tom-select, HTMX, techbridge.js/.css) is served from the platform
# itself; templates carry no inline scripts, event handlers or style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        # NONCE: only a page that renders request.csp_nonce (the API docs' start-up script)
        # gets one in its header.
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
