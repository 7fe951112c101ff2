"""What the models of events share: money fields and upload paths."""

from __future__ import annotations

import uuid

MONEY = {"max_digits": 12, "decimal_places": 2}


def _upload_to(prefix):
    def upload_to(obj, filename):
        import os

        ext = os.path.splitext(filename)[1].lower()[:8]
        return f"events/{prefix}/{obj.tenant_id}/{uuid.uuid4().hex}{ext}"

    upload_to.__name__ = f"upload_{prefix}"
    return upload_to


def receipt_upload_to(obj, filename):
    """events/receipts/<tenant>/<random>.<ext>."""
    return _upload_to("receipts")(obj, filename)


def photo_upload_to(obj, filename):
    """events/photos/<tenant>/<random>.<ext>."""
    return _upload_to("photos")(obj, filename)
