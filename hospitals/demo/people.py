"""Demo hospitals, departments and doctors (with history), society posts, the network and the
alignment of doctors to the demo territories."""

from __future__ import annotations

import datetime

from accounts.models import Territory
from hospitals.demo.data import (
    BACKGROUNDS,
    DEPARTMENTS,
    HOSPITALS,
    INTERESTS,
    MARKER_PREFIX,
    OTHER_UNIVERSITIES,
    PAIN_POINTS,
    PROVINCE_SOCIETY,
    SOCIETIES,
    SPECIALTIES,
    TARGET_DEPARTMENTS,
    UNIVERSITIES,
    G,
    T,
    _doctors_per_department,
)
from hospitals.models import (
    STANDARD_DEPARTMENTS,
    AcademicTitle,
    AdminPost,
    Channel,
    ClinicalTitle,
    Department,
    Doctor,
    DoctorRelation,
    DoctorTerritory,
    Gender,
    Hospital,
    RelationKind,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
)
from hospitals.pinyin import name_initials, name_pinyin


class PeopleSeeder:
    """Hospitals, departments, doctors, society posts, relations, alignment."""

    # --- hospitals, departments, doctors ---------------------------------------------------

    def hospitals(self):
        rows = []
        self.hospital_info = {}
        for i, (name, grade, htype, province, city, district, territory, beds, tier, profile) in enumerate(
            HOSPITALS, 1
        ):
            rows.append(
                Hospital(
                    tenant=self.tenant,
                    name=name,
                    grade=grade,
                    type=htype,
                    province=province,
                    city=city,
                    district=district,
                    address=f"{city}{district}{self.fake.street_name()}{self.rnd.randint(1, 999)}号",
                    beds=beds,
                    annual_outpatients=beds * self.rnd.randint(900, 1600),
                    external_id=f"{MARKER_PREFIX}H{i:03d}",
                )
            )
            self.hospital_info[name] = {"territory": territory, "tier": tier, "profile": profile}
        # A hospital of the same name may already exist (imported by a user): keep it.
        self._bulk(Hospital, rows, "hospitals", ignore_conflicts=True)
        self.hospital_objs = list(Hospital.objects.for_tenant(self.tenant).filter(name__in=[r.name for r in rows]))
        self.hospital_objs.sort(key=lambda h: [r.name for r in rows].index(h.name))

    def departments(self):
        rows = []
        for hospital in self.hospital_objs:
            profile = self.hospital_info[hospital.name]["profile"]
            if hospital.type == T.GENERAL:
                key = ("general", "large" if hospital.grade in (G.G3A, G.G3B) else "small")
            elif hospital.type == T.SPECIALIST:
                key = ("specialist", profile)
            else:
                key = (hospital.type, "")
            codes, custom = DEPARTMENTS[key]
            for code in codes:
                rows.append(
                    Department(
                        tenant=self.tenant, hospital=hospital, name=STANDARD_DEPARTMENTS[code], standard_code=code
                    )
                )
            for name in custom:
                rows.append(Department(tenant=self.tenant, hospital=hospital, name=name, standard_code=""))
        self._bulk(Department, rows, "departments", ignore_conflicts=True)
        self.departments_of = {}
        for dept in Department.objects.for_tenant(self.tenant).filter(hospital__in=self.hospital_objs):
            self.departments_of.setdefault(dept.hospital_id, []).append(dept)
        for depts in self.departments_of.values():
            depts.sort(key=lambda d: (d.standard_code, d.name))

    @staticmethod
    def dept_key(dept):
        return dept.standard_code or dept.name

    def _title(self, hospital):
        weights = [15, 25, 35, 25] if hospital.grade in (G.G3A, G.G3B) else [8, 22, 40, 30]
        return self.rnd.choices(
            [ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF, ClinicalTitle.ATTENDING, ClinicalTitle.RESIDENT],
            weights,
        )[0]

    def doctors(self):
        rows = []
        n = 0
        this_year = self.today.year
        grad_range = {
            ClinicalTitle.CHIEF: (1985, 2002),
            ClinicalTitle.ASSOCIATE_CHIEF: (1995, 2010),
            ClinicalTitle.ATTENDING: (2005, 2016),
            ClinicalTitle.RESIDENT: (2014, min(2023, this_year - 1)),
        }
        for hospital in self.hospital_objs:
            universities = UNIVERSITIES[hospital.province]
            per_dept = _doctors_per_department(hospital.grade, hospital.beds)
            for dept in self.departments_of[hospital.pk]:
                key = self.dept_key(dept)
                count = per_dept * 2 if key in TARGET_DEPARTMENTS else per_dept
                if key == "pharmacy":
                    count = max(2, per_dept // 2)
                director_given = False
                for _ in range(count):
                    n += 1
                    title = self._title(hospital)
                    gender = self.rnd.choice([Gender.MALE, Gender.FEMALE])
                    name = self.fake.name_male() if gender == Gender.MALE else self.fake.name_female()
                    academic = AcademicTitle.NONE
                    admin_post = AdminPost.NONE
                    if hospital.grade == G.G3A and title == ClinicalTitle.CHIEF:
                        academic = AcademicTitle.PROFESSOR
                        if not director_given:
                            admin_post, director_given = AdminPost.DIRECTOR, True
                    elif hospital.grade == G.G3A and title == ClinicalTitle.ASSOCIATE_CHIEF:
                        academic = self.rnd.choice([AcademicTitle.ASSOCIATE_PROFESSOR, AcademicTitle.NONE])
                    elif title == ClinicalTitle.CHIEF and not director_given:
                        admin_post, director_given = AdminPost.DIRECTOR, True
                    university = (
                        self.rnd.choice(universities)
                        if self.rnd.random() < 0.75
                        else self.rnd.choice(OTHER_UNIVERSITIES)
                    )
                    consent = self.rnd.random() < 0.7
                    pinyin = name_pinyin(name)
                    mail = self.rnd.choice(["163.com", "qq.com", "sina.com"])
                    rows.append(
                        Doctor(
                            tenant=self.tenant,
                            name=name,
                            name_pinyin=pinyin,
                            name_initials=name_initials(name),
                            gender=gender,
                            hospital=hospital,
                            department=dept,
                            clinical_title=title,
                            academic_title=academic,
                            admin_post=admin_post,
                            specialties=self.rnd.sample(
                                SPECIALTIES.get(key, []), min(2, len(SPECIALTIES.get(key, [])))
                            ),
                            university=university,
                            graduation_year=self.rnd.randint(*grad_range[title]),
                            background=self.rnd.choice(BACKGROUNDS),
                            interests="、".join(self.rnd.sample(INTERESTS, 2)),
                            pain_points=self.rnd.choice(PAIN_POINTS),
                            preferred_channels=sorted(
                                self.rnd.sample([c.value for c in Channel], self.rnd.randint(1, 3))
                            ),
                            consent_to_contact=consent,
                            consent_date=self.today - datetime.timedelta(days=self.rnd.randint(10, 700))
                            if consent
                            else None,
                            phone=self.fake.phone_number(),
                            wechat=f"{pinyin[:12]}{self.rnd.randint(10, 9999)}" if self.rnd.random() < 0.8 else "",
                            email=f"{pinyin[:12]}{self.rnd.randint(1, 99)}@{mail}" if self.rnd.random() < 0.4 else "",
                            external_id=f"{MARKER_PREFIX}D{n:05d}",
                        )
                    )
        self.doctor_objs = self._fast(Doctor, rows, "doctors", returning=True)
        self._history(self.doctor_objs)
        self.hospital_by_id = {h.pk: h for h in self.hospital_objs}
        self.dept_by_id = {d.pk: d for depts in self.departments_of.values() for d in depts}

    def society_positions(self):
        rows = []
        for doctor in self.doctor_objs:
            key = self.dept_key(self.dept_by_id[doctor.department_id])
            society = SOCIETIES.get(key)
            if society is None or doctor.clinical_title in (ClinicalTitle.RESIDENT,):
                continue
            hospital = self.hospital_by_id[doctor.hospital_id]
            senior = doctor.clinical_title == ClinicalTitle.CHIEF
            if senior and hospital.grade == G.G3A and self.rnd.random() < 0.6:
                position = self.rnd.choices(
                    [SocietyRole.CHAIR, SocietyRole.VICE_CHAIR, SocietyRole.STANDING_MEMBER, SocietyRole.MEMBER],
                    [1, 3, 6, 10],
                )[0]
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"中华医学会{society}",
                        level=SocietyLevel.NATIONAL,
                        position=position,
                        since=self.rnd.randint(2012, self.today.year - 1),
                    )
                )
            if (senior or doctor.clinical_title == ClinicalTitle.ASSOCIATE_CHIEF) and self.rnd.random() < 0.35:
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"{PROVINCE_SOCIETY[hospital.province]}{society}",
                        level=SocietyLevel.PROVINCIAL,
                        position=self.rnd.choice(
                            [
                                SocietyRole.VICE_CHAIR,
                                SocietyRole.STANDING_MEMBER,
                                SocietyRole.MEMBER,
                                SocietyRole.MEMBER,
                            ]
                        ),
                        since=self.rnd.randint(2015, self.today.year - 1),
                    )
                )
            elif doctor.clinical_title == ClinicalTitle.ATTENDING and self.rnd.random() < 0.08:
                rows.append(
                    SocietyPosition(
                        tenant=self.tenant,
                        doctor=doctor,
                        society=f"{PROVINCE_SOCIETY[hospital.province]}{society}",
                        level=SocietyLevel.PROVINCIAL,
                        position=SocietyRole.YOUTH_MEMBER,
                        since=self.rnd.randint(2019, self.today.year - 1),
                    )
                )
        self._fast(SocietyPosition, rows, "society positions", ignore_conflicts=True)

    # --- the network -----------------------------------------------------------------------

    def relations(self):
        edges = {}  # (from, to, kind) -> DoctorRelation

        def add(a, b, kind, strength, source):
            if a.pk == b.pk:
                return
            if kind in (RelationKind.CLASSMATE, RelationKind.COAUTHOR, RelationKind.COLLEAGUE) and a.pk > b.pk:
                a, b = b, a
            key = (a.pk, b.pk, kind)
            if key not in edges:
                edges[key] = DoctorRelation(
                    tenant=self.tenant, from_doctor=a, to_doctor=b, kind=kind, strength=strength, source=source
                )

        tier = {h.pk: self.hospital_info[h.name]["tier"] for h in self.hospital_objs}
        by_dept = {}
        for d in self.doctor_objs:
            by_dept.setdefault(self.dept_key(self.dept_by_id[d.department_id]), []).append(d)

        # Classmates: same university and graduation year, often a provincial doctor and a county one.
        cohorts = {}
        for d in self.doctor_objs:
            cohorts.setdefault((d.university, d.graduation_year), []).append(d)
        for members in cohorts.values():
            if len(members) < 2:
                continue
            upper = [d for d in members if tier[d.hospital_id] in ("provincial", "city")]
            lower = [d for d in members if tier[d.hospital_id] in ("county", "community")]
            for d in lower:
                for peer in self.rnd.sample(upper, min(len(upper), 2)):
                    add(d, peer, RelationKind.CLASSMATE, self.rnd.randint(2, 5), "同届同学（校友录）")
            for d in self.rnd.sample(members, min(len(members), 4)):
                peer = self.rnd.choice(members)
                if peer.hospital_id != d.hospital_id:
                    add(d, peer, RelationKind.CLASSMATE, self.rnd.randint(1, 4), "同届同学（校友录）")

        for doctors in by_dept.values():
            seniors = [d for d in doctors if d.academic_title == AcademicTitle.PROFESSOR]
            juniors = [d for d in doctors if d.clinical_title in (ClinicalTitle.ATTENDING, ClinicalTitle.RESIDENT)]
            top = [d for d in doctors if self.hospital_by_id[d.hospital_id].grade == G.G3A and d.clinical_title in
                   (ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF)]  # fmt: skip
            base = [d for d in doctors if tier[d.hospital_id] in ("county", "community")]
            # Mentors: professors of the specialty and the young doctors they trained.
            for mentor in seniors:
                for student in self.rnd.sample(juniors, min(len(juniors), self.rnd.randint(1, 4))):
                    if (
                        student.graduation_year
                        and mentor.graduation_year
                        and student.graduation_year > mentor.graduation_year + 8
                    ):
                        add(mentor, student, RelationKind.MENTOR, self.rnd.randint(3, 5), "研究生导师")
            # Referrals: county and community doctors send patients up to grade 3A specialists.
            for doctor in base:
                if top and self.rnd.random() < 0.6:
                    for target in self.rnd.sample(top, min(len(top), self.rnd.randint(1, 2))):
                        add(doctor, target, RelationKind.REFERRAL, self.rnd.randint(2, 5), "医联体双向转诊")
            # Co-authors among senior doctors of the specialty, across hospitals.
            for doctor in top:
                if self.rnd.random() < 0.3:
                    peer = self.rnd.choice(top)
                    add(doctor, peer, RelationKind.COAUTHOR, self.rnd.randint(2, 4), "共同发表论文")
        # Colleagues: a few pairs in each department.
        by_unit = {}
        for d in self.doctor_objs:
            by_unit.setdefault(d.department_id, []).append(d)
        for doctors in by_unit.values():
            if len(doctors) >= 2 and self.rnd.random() < 0.5:
                a, b = self.rnd.sample(doctors, 2)
                add(a, b, RelationKind.COLLEAGUE, self.rnd.randint(3, 5), "同科室")
        self._fast(DoctorRelation, list(edges.values()), "relations", ignore_conflicts=True)

    def alignment(self):
        territories = {t.code: t for t in Territory.objects.for_tenant(self.tenant).leaves()}
        rows = []
        for d in self.doctor_objs:
            code = self.hospital_info[self.hospital_by_id[d.hospital_id].name]["territory"]
            territory = territories.get(code)
            # Most doctors are targeted; a few (pharmacy, some residents) are not aligned.
            if territory is None or self.dept_key(self.dept_by_id[d.department_id]) == "pharmacy":
                continue
            if d.clinical_title == ClinicalTitle.RESIDENT and self.rnd.random() < 0.4:
                continue
            rows.append(DoctorTerritory(tenant=self.tenant, doctor=d, territory=territory))
        self._fast(DoctorTerritory, rows, "alignments", ignore_conflicts=True)
