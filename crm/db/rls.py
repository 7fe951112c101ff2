"""The row-level security kernel: which tenant a transaction of the app role may see.

Every tenant policy reads ``public.crm_tenant_id()`` (see :data:`POLICY_EXPR`). That function
returns the tenant named by the setting ``app.tenant_id`` *only* when ``app.tenant_sig`` holds
``HMAC-SHA256(key, "<binding>:<tenant_id>")`` for this very database session, where
``<binding>`` is the backend's pid and start time (``crm_session_binding()``). Otherwise it
returns NULL and the policies show nothing.

So the app role cannot hand itself another tenant: any session may *set* the two settings, but
only a process that knows the key can *sign* them, and the key lives in
``crm_private.rls_key`` (a schema the app role cannot even see) and in the application's
memory (:func:`rls_key`, from ``DB_RLS_KEY`` or derived from ``SECRET_KEY``). A signature seen
elsewhere (another session's query text in ``pg_stat_activity``) is useless: it is bound to
that other session. Nothing else opens a policy: platform-wide work connects as its own
role, which has BYPASSRLS (crm/db/provision.py), never through a setting.

The kernel is owned by the owner role and made idempotently by :func:`ensure_kernel`, from
``db_bootstrap``, ``migrate`` and the :class:`~crm.db.migrations.EnableTenantRLS` operation.
"""

from __future__ import annotations

import hashlib
import hmac

SCHEMA = "crm_private"

# Evaluated once per statement (an InitPlan), not once per row, thanks to the sub-select.
POLICY_EXPR = "tenant_id = (SELECT public.crm_tenant_id())"

KERNEL_SQL = """
CREATE SCHEMA IF NOT EXISTS crm_private;
REVOKE ALL ON SCHEMA crm_private FROM PUBLIC;
CREATE TABLE IF NOT EXISTS crm_private.rls_key (
    id smallint PRIMARY KEY CHECK (id = 1),
    ikey bytea NOT NULL,
    okey bytea NOT NULL
);
REVOKE ALL ON crm_private.rls_key FROM PUBLIC;

-- This session's identity: backend pid and start time (microseconds). A pid is reused one day,
-- a pid with the same start time never. Read as the session's own role (SECURITY INVOKER):
-- pg_stat_activity shows the start time of one's own sessions only.
CREATE OR REPLACE FUNCTION public.crm_session_binding() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_backend_pid()::text || ':' || (extract(epoch FROM a.backend_start) * 1000000)::bigint::text
    FROM pg_stat_get_activity(pg_backend_pid()) AS a
$$;

-- Is sig the HMAC-SHA256 of "<binding>:<tenant>" under the key? Compared through one more hash,
-- so that the time the comparison takes says nothing about how many characters were right.
CREATE OR REPLACE FUNCTION public.crm_verify_tenant(binding text, tenant bigint, sig text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((
        SELECT sha256(convert_to(encode(sha256(k.okey || sha256(k.ikey
                   || convert_to(binding || ':' || tenant::text, 'UTF8'))), 'hex'), 'UTF8'))
             = sha256(convert_to(sig, 'UTF8'))
        FROM crm_private.rls_key AS k WHERE k.id = 1
    ), false)
$$;

-- The tenant of this transaction: app.tenant_id when app.tenant_sig signs it for this session.
CREATE OR REPLACE FUNCTION public.crm_tenant_id() RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant text := current_setting('app.tenant_id', true);
    sig text := current_setting('app.tenant_sig', true);
BEGIN
    IF tenant IS NULL OR sig IS NULL OR tenant !~ '^[0-9]{1,18}$' OR sig !~ '^[0-9a-f]{64}$' THEN
        RETURN NULL;
    END IF;
    IF public.crm_verify_tenant(public.crm_session_binding(), tenant::bigint, sig) THEN
        RETURN tenant::bigint;
    END IF;
    RETURN NULL;
END $$;
"""

KEY_SQL = """
INSERT INTO crm_private.rls_key (id, ikey, okey) VALUES (1, %s, %s)
ON CONFLICT (id) DO UPDATE SET ikey = EXCLUDED.ikey, okey = EXCLUDED.okey
WHERE (crm_private.rls_key.ikey, crm_private.rls_key.okey) IS DISTINCT FROM (EXCLUDED.ikey, EXCLUDED.okey)
"""


def rls_key() -> bytes:
    """The signing key: ``DB_RLS_KEY`` when set, else derived from ``SECRET_KEY``."""
    from django.conf import settings

    configured = getattr(settings, "DB_RLS_KEY", "") or ""
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    return hmac.new(settings.SECRET_KEY.encode(), b"pharmacrm row-level security key", hashlib.sha256).digest()


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104), so that SQL can compute HMAC with sha256()."""
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def sign(binding: str, tenant_id: int, key: bytes | None = None) -> str:
    """The signature of ``tenant_id`` for the session ``binding`` (what crm_tenant_id() checks)."""
    message = f"{binding}:{int(tenant_id)}".encode()
    return hmac.new(key or rls_key(), message, hashlib.sha256).hexdigest()


def ensure_kernel(cursor, key: bytes | None = None) -> None:
    """Create or update the kernel and store the key; ``cursor`` is the owner role's."""
    cursor.execute(KERNEL_SQL)
    ikey, okey = _pads(key or rls_key())
    cursor.execute(KEY_SQL, [ikey, okey])
