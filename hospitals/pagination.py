"""The doctor list's API pagination: the kernel's keyset paginator with the doctor sorts.

DRF's own CursorPagination keys on the first ordering column alone and counts ties with an
offset capped at 1,000; at a million doctors more than a thousand may share a common name
(王伟). The kernel's paginator (crm.pagination, on the crm.keyset engine) keeps the whole sort
key ``(column, id)`` in the cursor and seeks with ``WHERE (column, id) > (…)``.
"""

from crm.pagination import KeysetPagination


class DoctorPagination(KeysetPagination):
    """The doctor list: by name (default), hospital name or clinical title, each then by id; a
    search (``q``) by what matched (name, pinyin or initials: DoctorQuerySet.search)."""

    orderings = {"name": ("name",), "hospital": ("hospital__name",), "clinical_title": ("clinical_title",)}
    default_ordering = "name"
    search_alias = "search_key"
