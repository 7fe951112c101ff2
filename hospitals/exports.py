"""Export columns of the master-data lists, for :func:`crm.exports.export_response`.

A page exports its filtered queryset with, e.g.::

    export_response(qs, doctor_columns(request.user), fmt, "doctors")

The headers are the import headers of the same kind (hospitals/imports/specs.py), so an
exported file can be edited and imported back. Doctors' personal contact details are only
exported for users who may see them (:func:`hospitals.selectors.can_see_contacts`).
"""

from django.utils.translation import gettext_lazy as _

from hospitals.selectors import can_see_contacts

HOSPITAL_COLUMNS = [
    (_("External ID"), "external_id"),
    (_("Hospital"), "name"),
    (_("Aliases"), "aliases"),
    (_("Grade"), "grade"),
    (_("Hospital type"), "type"),
    (_("Province"), "province"),
    (_("City"), "city"),
    (_("District"), "district"),
    (_("Address"), "address"),
    (_("Beds"), "beds"),
    (_("Annual outpatient visits"), "annual_outpatients"),
]

DOCTOR_COLUMNS = [
    (_("External ID"), "external_id"),
    (_("Name"), "name"),
    (_("Gender"), "gender"),
    (_("Hospital"), "hospital__name"),
    (_("Department"), "department__name"),
    (_("Clinical title"), "clinical_title"),
    (_("Academic title"), "academic_title"),
    (_("Administrative post"), "admin_post"),
    (_("Specialties"), "specialties"),
    (_("University"), "university"),
    (_("Graduation year"), "graduation_year"),
    (_("Preferred channels"), "preferred_channels"),
    (_("Consent to contact"), "consent_to_contact"),
    (_("Consent date"), "consent_date"),
    (_("Active"), "is_active"),
]

DOCTOR_CONTACT_COLUMNS = [
    # As written (the E.164 form when nothing else is known): an export imports back unchanged.
    (_("Mobile phone"), lambda doctor: doctor.phone_shown),
    (_("Office phone"), lambda doctor: doctor.office_phone_shown),
    (_("WeChat ID"), "wechat"),
    (_("Email"), "email"),
]

DISTRIBUTOR_COLUMNS = [
    (_("External ID"), "external_id"),
    (_("Distributor"), "name"),
    (_("Distributor type"), "kind"),
    (_("Licence number"), "licence_no"),
    (_("Provinces"), "regions"),
    (_("Status"), "status"),
]


def doctor_columns(user) -> list:
    """The doctor export columns ``user`` may receive (contact details only for contact roles)."""
    if can_see_contacts(user):
        return DOCTOR_COLUMNS + DOCTOR_CONTACT_COLUMNS
    return list(DOCTOR_COLUMNS)
