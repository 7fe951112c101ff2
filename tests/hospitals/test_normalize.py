"""One written form for master data wherever it enters: the rules, and the API, forms and admin."""

import pytest
from django.urls import reverse

from crm.tenancy import tenant_context
from hospitals import normalize
from hospitals.models import Doctor, Hospital
from tests.hospitals import factories as f


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("许　立", "许立"),
        (" 许 立 ", "许立"),
        ("欧阳  娜娜", "欧阳娜娜"),
        ("买买提 • 艾力", "买买提·艾力"),
        ("John  Smith", "John Smith"),
        ("复旦大学附属 中山医院", "复旦大学附属中山医院"),
        ("Ｗａｎｇ　Ｆａｎｇ", "Wang Fang"),
    ],
)
def test_names(written, expected):
    assert normalize.name(written) == expected


@pytest.mark.parametrize(
    ("written", "kind", "e164"),
    [
        ("13499255324", "mobile", "+8613499255324"),
        ("134-9925-5324", "mobile", "+8613499255324"),
        ("+86 134 9925 5324", "mobile", "+8613499255324"),
        ("0086-13499255324", "mobile", "+8613499255324"),
        ("86 13499255324", "mobile", "+8613499255324"),
        ("（０２１）６４０４１９９０", "landline", "+862164041990"),
        ("021-64041990 转 123", "landline", "+862164041990"),
        ("0512-6523 1234", "landline", "+8651265231234"),
        ("+1 650 253 0000", "mobile", "+16502530000"),
    ],
)
def test_phones(written, kind, e164):
    number, shown = normalize.phone(written, kind=kind)
    assert number == e164
    assert shown == normalize.text(written)


@pytest.mark.parametrize(
    ("written", "kind", "message"),
    [
        ("021-64041990", "mobile", "not a mobile number"),
        ("12345", "mobile", "not a valid phone number"),
        ("电话待补", "landline", "not a phone number"),
    ],
)
def test_phones_refused(written, kind, message):
    with pytest.raises(normalize.Unreadable, match=message):
        normalize.phone(written, kind=kind)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("上海", "上海市"), ("上海市", "上海市"), ("杭州", "杭州市"), ("延边", "延边朝鲜族自治州"),
     ("浦东新区", "浦东新区"), ("喀什地区", "喀什地区"), ("锡林郭勒", "锡林郭勒盟"), ("", "")],
)  # fmt: skip
def test_cities(written, expected):
    assert normalize.city(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"), [("广西", "广西壮族自治区"), ("Guangdong", "广东省"), ("上海", "上海市")]
)
def test_provinces(written, expected):
    assert normalize.province(written) == expected


@pytest.mark.django_db
def test_the_api_stores_one_form_and_shows_the_phone_as_written(api_client, tenant, make_user):
    hospital = f.HospitalFactory(tenant=tenant)
    api_client.force_login(make_user(tenant, "tenant_admin"))
    body = {
        "name": "许　立",
        "hospital": hospital.pk,
        "phone": "+86 134-9925-5324",
        "office_phone": "021-64041990",
        "email": "XuLi@Example.CN",
    }
    response = api_client.post(reverse("doctor-list"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["name"], data["phone"], data["phone_display"]) == ("许立", "+8613499255324", "+86 134-9925-5324")
    assert (data["office_phone"], data["email"]) == ("+862164041990", "xuli@example.cn")

    landline = api_client.post(reverse("doctor-list"), {**body, "phone": "021-64041990"}, format="json")
    assert landline.status_code == 400 and "021-64041990" in str(landline.json()["phone"])

    # Sending the stored E.164 back keeps the written form.
    url = reverse("doctor-detail", args=[data["id"]])
    again = api_client.patch(url, {"phone": "+8613499255324"}, format="json").json()
    assert again["phone_display"] == "+86 134-9925-5324"

    hospital_body = {"name": "华山医院", "province": "上海", "city": "上海", "aliases": ["华山", "华山 医院"]}
    created = api_client.post(reverse("hospital-list"), hospital_body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["province"], created.json()["city"], created.json()["aliases"]) == (
        "上海市", "上海市", ["华山"]
    )  # fmt: skip
    mars = api_client.post(reverse("hospital-list"), {**hospital_body, "name": "火星医院", "province": "火星"})
    assert mars.status_code == 400 and "province" in mars.json()


@pytest.mark.django_db
def test_the_doctor_form_edits_the_phone_as_written(client, tenant, make_user):
    doctor = f.DoctorFactory(hospital__tenant=tenant, phone="134 9925 5324")
    with tenant_context(tenant):
        doctor.refresh_from_db()
    assert (doctor.phone, doctor.phone_display) == ("+8613499255324", "134 9925 5324"), "saved in one form"
    client.force_login(make_user(tenant, "tenant_admin"))
    page = client.get(reverse("doctor_edit", args=[doctor.pk])).content.decode()
    assert 'value="134 9925 5324"' in page
    form = {
        "name": doctor.name,
        "hospital": doctor.hospital_id,
        "department": doctor.department_id,
        "clinical_title": doctor.clinical_title,
        "phone": "138-0013-8000",
        "email": doctor.email,
        "wechat": doctor.wechat,
        "is_active": "on",
    }
    response = client.post(reverse("doctor_edit", args=[doctor.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenant):
        doctor = Doctor.objects.get(pk=doctor.pk)
    assert (doctor.phone, doctor.phone_display) == ("+8613800138000", "138-0013-8000")


@pytest.mark.django_db
def test_rows_saved_without_validation_are_normalised_too(tenant):
    hospital = f.HospitalFactory(tenant=tenant, name="瑞金 医院", city="上海", province="上海")
    with tenant_context(tenant):
        assert Hospital.objects.filter(pk=hospital.pk).values_list("name", "city", "province").get() == (
            "瑞金医院", "上海市", "上海市"
        )  # fmt: skip


@pytest.mark.django_db
def test_records_stored_before_the_rules_are_rewritten_by_the_command(tenant):
    from django.core.management import call_command

    ruijin = f.HospitalFactory(tenant=tenant, name="瑞金医院")
    clash = f.HospitalFactory(tenant=tenant, name="华山医院")
    other = f.HospitalFactory(tenant=tenant, name="仁济医院")
    doctor = f.DoctorFactory(hospital=ruijin, name="许立")
    with tenant_context(tenant):
        Hospital.objects.filter(pk=ruijin.pk).update(city="上海")
        Hospital.objects.filter(pk=other.pk).update(name="华山 医院")  # would become 华山医院: left alone
        Doctor.objects.filter(pk=doctor.pk).update(name="许 立", phone="134-9925-5324", email="X@Y.CN")

    call_command("normalise_master_data", tenant=tenant.code)

    with tenant_context(tenant):
        doctor.refresh_from_db()
        assert (doctor.name, doctor.phone, doctor.phone_display, doctor.email) == (
            "许立", "+8613499255324", "134-9925-5324", "x@y.cn"
        )  # fmt: skip
        assert doctor.history.latest().history_change_reason == "normalised"
        assert Hospital.objects.get(pk=ruijin.pk).city == "上海市"
        assert Hospital.objects.get(pk=other.pk).name == "华山 医院"
        assert Hospital.objects.get(pk=clash.pk).name == "华山医院"
