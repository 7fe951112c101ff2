"""Master data models, by sub-domain; everything is importable from ``hospitals.models``.

* :mod:`.master` — hospitals (HCO), departments, doctors (HCP), society positions, relations, alignment;
* :mod:`.commercial` — distributors, products, coverage, agreements, usage share, sales, shipments;
* :mod:`.experts` — the expert database: academic level (rule, override, history), expert profile,
  speaker qualifications;
* :mod:`.imports` — the import job;
* :mod:`.steward` — the department dictionary, likely duplicates and doctor merges.

Natural keys (used by imports when a row has no external id) are documented on each model
and enforced by a unique constraint where reality allows it. Doctors are the exception:
two doctors of one department may share a name, so ``(hospital, department, name)`` is a
matching key for imports (a probable match is reported), not a constraint.
"""

from hospitals.models.commercial import (  # noqa: F401
    AgreementProduct,
    AgreementStatus,
    Distributor,
    DistributorAgreement,
    DistributorCoverage,
    DistributorKind,
    DistributorStaff,
    DistributorStatus,
    KeyMessage,
    Product,
    ProductCompetitor,
    SalesRecord,
    Shipment,
    UsageShare,
)
from hospitals.models.experts import (  # noqa: F401
    ACADEMIC_LEVEL_RANK,
    AcademicLevel,
    AcademicLevelChange,
    AcademicLevelRule,
    ExpertProfile,
    LevelChangeSource,
    SpeakerQualification,
    TeachingPost,
)
from hospitals.models.imports import (  # noqa: F401
    ImportJob,
    ImportKind,
    ImportStatus,
    NewDepartmentPolicy,
    ProbableMatchPolicy,
    import_upload_to,
)
from hospitals.models.master import (  # noqa: F401
    PROVINCES,
    STANDARD_DEPARTMENTS,
    AcademicTitle,
    AdminPost,
    Channel,
    ClinicalTitle,
    Department,
    Doctor,
    DoctorQuerySet,
    DoctorRelation,
    DoctorTerritory,
    Gender,
    Hospital,
    HospitalGrade,
    HospitalType,
    RelationKind,
    SocietyLevel,
    SocietyPosition,
    SocietyRole,
    StartsWith,
)
from hospitals.models.steward import (  # noqa: F401
    CandidateStatus,
    DepartmentSynonym,
    DoctorMerge,
    DuplicateCandidate,
    DuplicateReason,
)
