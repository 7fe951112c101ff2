"""Database router: inside ``platform_scope()`` the ORM uses the platform role's connection.

Three database aliases point at the same database as three roles (crm/db/provision.py):

* ``default`` — the **app role**: every request and task; bound by the tenant policies;
* ``platform`` — the **platform role** (BYPASSRLS): only inside :func:`crm.tenancy.platform_scope`,
  i.e. platform staff in Django admin and the jobs that enumerate tenants;
* ``owner`` — the **owner role**: migrations only (``manage.py migrate``).

Raw SQL follows the same rule by naming its connection: ``connections[PLATFORM]`` in platform
code, ``connection`` (the app role) everywhere else.
"""

from crm import tenancy

PLATFORM = "platform"


class PlatformRouter:
    """Send every ORM read and write made inside platform scope to the platform connection."""

    def db_for_read(self, model, **hints):
        return PLATFORM if tenancy.in_platform_scope() else None

    def db_for_write(self, model, **hints):
        return PLATFORM if tenancy.in_platform_scope() else None

    def allow_relation(self, obj1, obj2, **hints):
        # One database seen through different roles: a row loaded as one role may point at a
        # row loaded as another.
        return True

    def allow_migrate(self, db, app_label, **hints):
        # The platform role never changes the schema (nor does the app role: it cannot).
        return False if db == PLATFORM else None
