"""Settings shared by every environment, configured from environment variables.

Every variable is listed, with its default, in the README's "Configuration" section.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # crm first: its management commands (migrate as the owner role) override Django's.
    "crm",
    "crm.adminconfig.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "accounts",
    "hospitals",
    "segmentation",
    "visits",
    "events",
    "complaints",
    "analytics",
]

MIDDLEWARE = [
    # First: every statement of the request, sessions and sign-in included, has a budget.
    "crm.timeouts.StatementTimeoutMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the session's user inside the session's tenant (accounts/auth.py).
    "accounts.auth.AuthenticationMiddleware",
    "crm.middleware.TenantMiddleware",
    "crm.memo.RequestMemoMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: axes must see the outcome of the authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
CSRF_FAILURE_VIEW = "crm.errors.csrf_failure"
WSGI_APPLICATION = "crm.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "crm.context_processors.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# Three roles on one database (crm/db/provision.py, docs/security.md): the app role serves
# requests and tasks and is bound by row-level security; the platform role (BYPASSRLS) serves
# only platform_scope() (platform staff in admin, jobs that enumerate tenants), through the
# router crm/db/router.py; the owner role owns the tables and runs migrations.
# Statement budgets (crm/timeouts.py): a web request's statements, exports and the API's bulk
# reads, and everything else (Celery tasks, management commands: also the connection default).
DB_STATEMENT_TIMEOUT_MS = env.int("DB_STATEMENT_TIMEOUT_MS", default=5_000)
DB_BULK_STATEMENT_TIMEOUT_MS = env.int("DB_BULK_STATEMENT_TIMEOUT_MS", default=30_000)
DB_TASK_STATEMENT_TIMEOUT_MS = env.int("DB_TASK_STATEMENT_TIMEOUT_MS", default=10 * 60_000)
# PostgreSQL cancels the query of a client (web or worker process) that went away.
DB_CLIENT_CHECK_INTERVAL_MS = env.int("DB_CLIENT_CHECK_INTERVAL_MS", default=2_000)
_DB_DEFAULTS = {
    "ENGINE": "crm.db",
    "CONN_MAX_AGE": env.int("DB_CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
    # A DECLARE ... CURSOR statement cannot carry the tenant prefix (crm/db/base.py), and
    # transaction-pooling PgBouncer needs this too.
    "DISABLE_SERVER_SIDE_CURSORS": True,
}


def _database(config: dict, options: str) -> dict:
    config = {**config, **_DB_DEFAULTS}
    config["OPTIONS"] = {
        "connect_timeout": 5,
        # Which process a connection belongs to, in pg_stat_activity (gunicorn.conf.py sets "-web").
        "application_name": env("DB_APPLICATION_NAME", default="pharmacrm"),
        **config.get("OPTIONS", {}),
        "options": options,
    }
    return config


# JIT compilation off: PostgreSQL compiles a query once its estimated cost passes
# jit_above_cost, and for this application's short indexed queries compiling costs more than it
# saves — measured: a rep's event calendar query ran in 80 ms and spent 445 ms more compiling
# (a 525 ms page). A long analytical statement that would gain can ``SET LOCAL jit = on``.
DB_JIT = env.bool("DB_JIT", default=False)
_CHECK_CLIENT = f"-c client_connection_check_interval={DB_CLIENT_CHECK_INTERVAL_MS} -c jit={'on' if DB_JIT else 'off'}"
_BUDGET = f"-c statement_timeout={DB_TASK_STATEMENT_TIMEOUT_MS} {_CHECK_CLIENT}"
_APP_DB = env.db_url("DATABASE_URL", default="postgres://crm_app:crm_app@127.0.0.1:5432/pharmacrm")
# The platform role's default: the app's database, host and port, as crm_platform.
_PLATFORM_DB_DEFAULT = "postgres://crm_platform:crm_platform@{host}:{port}/{name}".format(
    host=_APP_DB.get("HOST") or "127.0.0.1", port=_APP_DB.get("PORT") or 5432, name=_APP_DB["NAME"]
)
DATABASES = {
    "default": _database(_APP_DB, _BUDGET),
    "platform": _database(env.db_url("DATABASE_PLATFORM_URL", default=_PLATFORM_DB_DEFAULT), _BUDGET),
    # Migrations may rewrite big tables: no statement budget for the owner role.
    "owner": _database(
        env.db_url("DATABASE_OWNER_URL", default="postgres://crm_owner:crm_owner@127.0.0.1:5432/pharmacrm"),
        _CHECK_CLIENT,
    ),
}
DATABASE_ROUTERS = ["crm.db.router.PlatformRouter"]
# Only for `manage.py db_bootstrap` (creating the three roles); never used by the app.
DATABASE_ADMIN = env.db_url("DATABASE_ADMIN_URL", default="postgres://postgres@127.0.0.1:5432/postgres")
# Signs the tenant of each transaction for row-level security (crm/db/rls.py); derived from
# SECRET_KEY when empty. `manage.py migrate` / `db_bootstrap` store it in the database.
DB_RLS_KEY = env("DB_RLS_KEY", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "crm",
    },
    "sessions": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default="redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "crm-session",
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
# The longest task may run 30 minutes (hard limit); Redis re-delivers an unacknowledged task
# after the visibility timeout, which must therefore be longer, or a slow task runs twice.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="crm")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Statistics of tables written row by row (bulk jobs refresh their own): crm/stats.py.
CELERY_BEAT_SCHEDULE = {
    "crm.analyze_stale": {"task": "crm.analyze_stale", "schedule": 30 * 60},
}
DJANGO_CELERY_BEAT_TZ_AWARE = True

# A what-if over more doctors than this runs in Celery, with progress on the page (segmentation.whatif).
SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS = env.int("SEGMENTATION_WHATIF_SYNC_MAX_DOCTORS", default=5_000)

# --- Auth ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.auth.TenantModelBackend",
]
# Sessions live in Redis, out of the app role's reach (a database session table would list
# every tenant's sessions); "sign out everywhere" renews the user's session salt.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
# API tokens (accounts.ApiToken): stored hashed, valid this long.
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30))
# Password-reset e-mails: the console in `local`, SMTP (EMAIL_URL) elsewhere.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PharmaCRM <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login brute force: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed sign-ins are counted in Redis: a database table would show every tenant's usernames.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Everything the pages load is ours and vendored: no inline script, no inline style, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- I18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not signed in" into 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "crm.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.rest.exception_handler",
}
# The OpenAPI schema and Swagger UI: open here and in `local`; production requires sign-in.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
SPECTACULAR_SETTINGS = {
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "TITLE": "PharmaCRM API",
    "DESCRIPTION": "Multi-tenant CRM for pharmaceutical field teams. Every object belongs to the "
    "caller's tenant; another tenant's object answers 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set (fields called "kind", "channel"… exist in several apps).
    "ENUM_NAME_OVERRIDES": {
        "EventStatusEnum": "events.models.EventStatus",
        "EventTypeEnum": "events.models.EventType",
        "OrganiserKindEnum": "events.models.OrganiserKind",
        "VenueKindEnum": "events.models.VenueKind",
        "BudgetCategoryEnum": "events.models.BudgetCategory",
        "RsvpEnum": "events.models.Rsvp",
        "InvitedViaEnum": "events.models.InvitedVia",
        "SignInMethodEnum": "events.models.SignInMethod",
        "SelfSignInStatusEnum": "events.models.SelfSignInStatus",
        "PhotoKindEnum": "events.models.PhotoKind",
        "FollowUpStatusEnum": "events.models.FollowUpStatus",
        "TrialResultEnum": "events.models.TrialResult",
        "InsightKindEnum": "events.models.InsightKind",
        "InsightStatusEnum": "events.models.InsightStatus",
        "ProgramStatusEnum": "events.models.ProgramStatus",
        "RecallEnum": "events.models.Recall",
        "EventReactionEnum": "events.models.Reaction",
        "RoleEnum": "accounts.models.Role",
        "TerritoryLevelEnum": "accounts.models.TerritoryLevel",
        "HospitalGradeEnum": "hospitals.models.HospitalGrade",
        "HospitalTypeEnum": "hospitals.models.HospitalType",
        "ClinicalTitleEnum": "hospitals.models.ClinicalTitle",
        "AcademicTitleEnum": "hospitals.models.AcademicTitle",
        "AdminPostEnum": "hospitals.models.AdminPost",
        "GenderEnum": "hospitals.models.Gender",
        "ChannelEnum": "hospitals.models.Channel",
        "SocietyLevelEnum": "hospitals.models.SocietyLevel",
        "SocietyRoleEnum": "hospitals.models.SocietyRole",
        "RelationKindEnum": "hospitals.models.RelationKind",
        "DistributorKindEnum": "hospitals.models.DistributorKind",
        "DistributorStatusEnum": "hospitals.models.DistributorStatus",
        "AgreementStatusEnum": "hospitals.models.AgreementStatus",
        "ImportKindEnum": "hospitals.models.ImportKind",
        "ImportStatusEnum": "hospitals.models.ImportStatus",
        "TierEnum": "segmentation.models.Tier",
        "VersionStatusEnum": "segmentation.models.VersionStatus",
        "TierRuleEnum": "segmentation.models.TierRule",
        "DimensionKindEnum": "segmentation.models.DimensionKind",
        "NormalisationEnum": "segmentation.models.Normalisation",
        "RunStatusEnum": "segmentation.models.RunStatus",
        "RunTriggerEnum": "segmentation.models.RunTrigger",
        "AdoptionStageEnum": "segmentation.models.AdoptionStage",
        "AcademicLevelEnum": "hospitals.models.AcademicLevel",
        "TeachingPostEnum": "hospitals.models.TeachingPost",
        "LevelChangeSourceEnum": "hospitals.models.LevelChangeSource",
        "AccountPlanStatusEnum": "segmentation.models.PlanStatus",
        "ReviewCadenceEnum": "segmentation.models.ReviewCadence",
        "ReviewRatingEnum": "segmentation.models.ReviewRating",
        "ActionKindEnum": "segmentation.models.ActionKind",
        "TeamRoleEnum": "segmentation.models.TeamRole",
        "VisitChannelEnum": "visits.models.VisitChannel",
        "PaymentChannelEnum": "events.fees.vocabulary.PaymentChannel",
        "VisitStatusEnum": "visits.models.VisitStatus",
        "ObjectiveAchievedEnum": "visits.models.ObjectiveAchieved",
        "ReactionEnum": "visits.models.Reaction",
        "SignalEnum": "visits.models.Signal",
        "FollowUpTriggerEnum": "visits.models.FollowUpTrigger",
        "AssigneeEnum": "visits.models.Assignee",
        "PriorityEnum": "visits.models.Priority",
        "TaskStatusEnum": "visits.models.TaskStatus",
        "PlanStatusEnum": "visits.models.PlanStatus",
        "VisitPlanStatusEnum": "visits.models.VisitPlanStatus",
        "VisitPlanSourceEnum": "visits.models.VisitPlanSource",
        "InquiryStatusEnum": "visits.models.InquiryStatus",
        "SendBackChannelEnum": "visits.models.SendBackChannel",
        "ContentKindEnum": "visits.models.ContentKind",
        "NotificationKindEnum": "visits.models.NotificationKind",
        "ComplaintTypeEnum": "complaints.models.ComplaintType",
        "ComplaintStatusEnum": "complaints.models.Status",
        "ComplaintSeverityEnum": "complaints.models.Severity",
        "IntakeChannelEnum": "complaints.models.IntakeChannel",
        "ReplyChannelEnum": "complaints.models.ReplyChannel",
    },
}

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
AXES_VERBOSE = False
