"""Attachments: photos and PDFs of a complaint, checked by name and first bytes, size-limited."""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from crm.permissions import COMPLAINT_HANDLERS, has_role

from ..models import (
    ComplaintAttachment,
    EventKind,
)
from ._shared import _check_locked, _event, _load

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".pdf": "application/pdf",
}
# The first bytes of each kind: the name alone is not trusted.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "image/heic": (b"",),  # ftyp box at offset 4: checked below
    "application/pdf": (b"%PDF-",),
}


@transaction.atomic
def attachment_add(*, tenant, by, complaint, upload) -> ComplaintAttachment:
    """Attach a photo (JPEG, PNG, GIF, WebP, HEIC) or a PDF of at most 10 MB, checked by its
    name and its first bytes; stored with Django's storage."""
    complaint = _load(tenant, complaint)
    _check_locked(complaint)
    if not (has_role(by, COMPLAINT_HANDLERS) or complaint.reported_by_id == by.pk):
        raise ValidationError(_("You may not add attachments to this complaint."))
    name = os.path.basename(getattr(upload, "name", "") or "upload")
    ext = os.path.splitext(name)[1].lower()
    content_type = ATTACHMENT_TYPES.get(ext)
    if content_type is None:
        raise ValidationError({"file": _("Only images (JPEG, PNG, GIF, WebP, HEIC) and PDF files are accepted.")})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    head = upload.read(16)
    upload.seek(0)
    ok = head[4:8] == b"ftyp" if content_type == "image/heic" else any(head.startswith(m) for m in _MAGIC[content_type])
    if not ok:
        raise ValidationError({"file": _("The file's content does not match its type.")})
    attachment = ComplaintAttachment(
        tenant_id=complaint.tenant_id,
        complaint=complaint,
        name=name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _event(complaint, kind=EventKind.ATTACHMENT, by=by, note=name)
    return attachment
