"""Editing a doctor in the browser: what each role may change, and errors that lose nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from crm.tenancy import tenant_context
from hospitals import services
from hospitals.forms import ADMIN_EDITABLE, FIELD_EDITABLE
from hospitals.models import Doctor
from tests.hospitals import factories as f


def _fresh(doctor):
    with tenant_context(doctor.tenant_id):
        return Doctor.objects.get(pk=doctor.pk)


def _history_count(doctor):
    with tenant_context(doctor.tenant_id):
        return doctor.history.count()


def _latest_history(doctor):
    with tenant_context(doctor.tenant_id):
        return doctor.history.order_by("-history_date").first()


def _url(doctor):
    return reverse("doctor_edit", args=[doctor.pk])


def test_the_form_fields_are_the_services_fields():
    assert set(FIELD_EDITABLE) == services.DOCTOR_PROFILE_FIELDS
    assert set(ADMIN_EDITABLE) == services.DOCTOR_FIELDS


def test_rep_records_what_they_learn_in_the_field(client, world):
    client.force_login(world.rep)
    response = client.post(
        _url(world.li),
        {
            "background": "省心血管病学会副主委，留学德国",
            "interests": "高血压管理",
            "pain_points": "门诊量大，时间少",
            "preferred_channels": ["wechat", "online_meeting"],
            "consent_to_contact": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("doctor_detail", args=[world.li.pk])
    li = _fresh(world.li)
    assert li.pain_points == "门诊量大，时间少"
    assert li.preferred_channels == ["wechat", "online_meeting"]
    assert li.consent_to_contact and li.consent_date == timezone.localdate()
    assert _latest_history(li).history_user_id == world.rep.pk
    # The profile shows what was saved, and who saved it.
    html = client.get(response["Location"]).content.decode()
    assert "门诊量大，时间少" in html and world.rep.name in html


def test_rep_cannot_change_master_fields_even_by_posting_them(client, world):
    client.force_login(world.rep)
    html = client.get(_url(world.li)).content.decode()
    assert 'name="background"' in html
    assert 'name="name"' not in html and 'name="phone"' not in html and 'name="hospital"' not in html
    client.post(_url(world.li), {"name": "改名", "phone": "110", "background": "新背景", "clinical_title": "resident"})
    li = _fresh(world.li)
    assert (li.name, li.phone, li.clinical_title) == ("李建国", "+8613900001111", "chief")  # stored in E.164
    assert li.background == "新背景"


def test_admin_edits_every_field(client, world, make_user):
    client.force_login(make_user(world.tenant, Role.TENANT_ADMIN))
    html = client.get(_url(world.li)).content.decode()
    for name in ("name", "hospital", "department", "clinical_title", "phone", "specialties", "background"):
        assert f'name="{name}"' in html
    data = {
        "name": "李建国",
        "hospital": world.provincial.pk,
        "department": world.li.department_id,
        "clinical_title": "associate_chief",
        "academic_title": "professor",
        "specialties": "高血压，心衰、房颤",
        "graduation_year": "1988",
        "phone": "13900001111",
        "is_active": "on",
    }
    response = client.post(_url(world.li), data)
    assert response.status_code == 302
    li = _fresh(world.li)
    assert li.clinical_title == "associate_chief" and li.academic_title == "professor"
    assert li.specialties == ["高血压", "心衰", "房颤"]
    assert li.graduation_year == 1988


def test_admin_moves_a_doctor_to_another_hospital_and_department(client, world, make_user):
    client.force_login(make_user(world.tenant, Role.TENANT_ADMIN))
    county_dept = world.classmate.department
    response = client.post(
        _url(world.li),
        {
            "name": "李建国",
            "hospital": world.county.pk,
            "department": county_dept.pk,
            "clinical_title": "chief",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    li = _fresh(world.li)
    assert (li.hospital_id, li.department_id) == (world.county.pk, county_dept.pk)


def test_invalid_values_are_shown_in_the_form_and_nothing_typed_is_lost(client, world, make_user):
    client.force_login(make_user(world.tenant, Role.TENANT_ADMIN))
    response = client.post(
        _url(world.li),
        {
            "name": "",
            "hospital": world.provincial.pk,
            "graduation_year": "1800",
            "background": "这段很长的背景不能丢",
            "email": "not-an-email",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("name", "graduation_year", "email"):
        assert f'data-testid="error-{field}"' in html
    assert "这段很长的背景不能丢" in html and 'value="1800"' in html and 'value="not-an-email"' in html
    # Nothing saved, and the page still names the doctor as saved.
    li = _fresh(world.li)
    assert li.name == "李建国" and li.graduation_year is None and li.background == "省心血管病学会副主委"
    assert "李建国" in html


def test_a_department_of_another_hospital_is_refused_on_its_field(client, world, make_user):
    client.force_login(make_user(world.tenant, Role.TENANT_ADMIN))
    response = client.post(
        _url(world.li),
        {
            "name": "李建国",
            "hospital": world.provincial.pk,
            "department": world.classmate.department_id,
            "background": "保留我",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-department"' in html
    assert "保留我" in html
    assert _fresh(world.li).department_id == world.li.department_id


def test_a_consent_date_in_the_wrong_format_is_refused(client, world):
    client.force_login(world.rep)
    response = client.post(
        _url(world.li), {"consent_to_contact": "on", "consent_date": "31/02/2025", "interests": "留着"}
    )
    assert response.status_code == 200
    assert 'data-testid="error-consent_date"' in response.content.decode()
    assert "留着" in response.content.decode()
    assert _fresh(world.li).interests == ""


def test_saving_without_changes_writes_no_history(client, world):
    client.force_login(world.rep)
    before = _history_count(world.li)
    assert before >= 1
    form_html = client.get(_url(world.li)).content.decode()
    assert "省心血管病学会副主委" in form_html
    response = client.post(_url(world.li), {"background": "省心血管病学会副主委"})
    assert response.status_code == 302
    assert _history_count(world.li) == before


@pytest.mark.parametrize("role", [Role.COMPLIANCE, Role.PRODUCT_MANAGER, Role.MEDICAL_AFFAIRS])
def test_roles_without_edit_rights_get_403_and_no_edit_button(client, world, make_user, role):
    user = make_user(world.tenant, role)
    client.force_login(user)
    assert client.get(_url(world.li)).status_code == 403
    assert client.post(_url(world.li), {"background": "x"}).status_code == 403
    assert _fresh(world.li).background == "省心血管病学会副主委"
    html = client.get(reverse("doctor_detail", args=[world.li.pk])).content.decode()
    assert 'data-testid="edit-doctor"' not in html


def test_distributor_rep_may_not_edit(client, world):
    staff = f.DistributorStaffFactory(distributor=world.distributor)
    client.force_login(staff.user)
    assert client.get(_url(world.li)).status_code == 403


def test_rep_sees_the_edit_button(client, world):
    client.force_login(world.rep)
    html = client.get(reverse("doctor_detail", args=[world.li.pk])).content.decode()
    assert f'href="{_url(world.li)}"' in html


def test_a_consent_date_is_kept_as_given(client, world):
    client.force_login(world.rep)
    client.post(_url(world.li), {"consent_to_contact": "on", "consent_date": "2025-03-01"})
    assert _fresh(world.li).consent_date == dt.date(2025, 3, 1)
