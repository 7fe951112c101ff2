"""Demo expert database: every doctor's academic level by the default rule, and an academic and
speaker profile for the senior doctors (publications, guidelines, research interests, teaching
posts, languages, speaker qualifications approved by medical affairs)."""

from __future__ import annotations

import datetime

from accounts.models import Role, User
from hospitals.academic import academic_levels_refresh
from hospitals.models import (
    AcademicTitle,
    ClinicalTitle,
    ExpertProfile,
    SpeakerQualification,
    TeachingPost,
)

TOPICS = ["最新指南解读", "真实世界研究进展", "疑难病例分享", "规范化诊疗路径", "围手术期管理"]
LANGUAGES = ["中文", "英语", "日语"]


class ExpertSeeder:
    """The expert profiles of the demo doctors (after doctors, society posts and products)."""

    def experts(self):
        academic_levels_refresh(tenant=self.tenant)
        senior = {
            d.pk: d
            for d in self.doctor_objs
            if d.clinical_title in (ClinicalTitle.CHIEF, ClinicalTitle.ASSOCIATE_CHIEF)
        }
        profiles = list(ExpertProfile.objects.for_tenant(self.tenant).filter(doctor_id__in=list(senior)))
        medical = User.objects.in_tenant(self.tenant).with_role(Role.MEDICAL_AFFAIRS).order_by("pk").first()
        own = [p for p, *_ in self.own_products]
        qualifications = []
        for profile in profiles:
            doctor = senior[profile.doctor_id]
            professor = doctor.academic_title == AcademicTitle.PROFESSOR
            profile.publications_count = self.rnd.randint(20, 160) if professor else self.rnd.randint(2, 40)
            profile.guideline_count = self.rnd.randint(1, 8) if professor else self.rnd.randint(0, 1)
            profile.research_interests = list(doctor.specialties)
            profile.therapeutic_areas = sorted({p.therapeutic_area for p in own if p.therapeutic_area})[:2]
            profile.teaching_posts = (
                [TeachingPost.DOCTORAL_SUPERVISOR, TeachingPost.MASTER_SUPERVISOR]
                if professor
                else self.rnd.sample([TeachingPost.MASTER_SUPERVISOR, TeachingPost.RESIDENCY_TUTOR], 1)
            )
            profile.languages = ["中文", "英语"] if professor else ["中文"]
            profile.preferred_times = self.rnd.choice(["周二下午门诊后", "周四晚上", "周末上午", "手术日以外"])
            profile.lectures_given = self.rnd.randint(0, 30)
            if professor and own and self.rnd.random() < 0.5:
                qualifications.append(
                    SpeakerQualification(
                        tenant=self.tenant,
                        doctor_id=doctor.pk,
                        product=self.rnd.choice(own),
                        topic=self.rnd.choice(TOPICS),
                        approved_by=medical,
                        approved_on=self.today - datetime.timedelta(days=self.rnd.randint(10, 300)),
                        rating=self.rnd.randint(3, 5),
                    )
                )
        ExpertProfile.objects.bulk_update(
            profiles,
            ["publications_count", "guideline_count", "research_interests", "therapeutic_areas", "teaching_posts",
             "languages", "preferred_times", "lectures_given"],
            batch_size=1000,
        )  # fmt: skip
        self._bulk(SpeakerQualification, qualifications, "speaker qualifications", ignore_conflicts=True)
        self.counts["expert profiles"] = len(profiles)
