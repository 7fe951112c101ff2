"""Production: secrets and hosts from the environment; passes `manage.py check --deploy`.

Required: SECRET_KEY (50+ random characters), ALLOWED_HOSTS, DATABASE_URL,
DATABASE_OWNER_URL, REDIS_URL. TLS terminates at the proxy in front of gunicorn, which
sets X-Forwarded-Proto.
"""

from .base import *  # noqa: F403
from .base import SPECTACULAR_SETTINGS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Secure cookies need HTTPS; docker-compose.yml turns them off for a plain-HTTP trial on localhost.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# The API's schema and docs are for signed-in users (a token client, or a browser session).
API_DOCS_PUBLIC = False
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS, "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"]}
