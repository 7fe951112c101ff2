"""The one DRF router of the project (mounted at /api/v1/): project wiring, the one place that
imports every app's API (a new app adds its routes here: docs/adding-an-app.md)."""

from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from analytics import api as analytics_api
from complaints import api as complaints_api
from crm.inbox import api as inbox_api
from events import api as events_api
from events.fees import api as fees_api
from hospitals import api as hospitals_api
from segmentation import api as segmentation_api
from visits import api as visits_api

router = DefaultRouter()
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("territories", accounts_api.TerritoryViewSet, basename="territory")
router.register("territory-assignments", accounts_api.TerritoryAssignmentViewSet, basename="territory-assignment")
router.register("hospitals", hospitals_api.HospitalViewSet, basename="hospital")
router.register("departments", hospitals_api.DepartmentViewSet, basename="department")
router.register("doctors", hospitals_api.DoctorViewSet, basename="doctor")
router.register("society-positions", hospitals_api.SocietyPositionViewSet, basename="society-position")
router.register("doctor-relations", hospitals_api.DoctorRelationViewSet, basename="doctor-relation")
router.register("doctor-territories", hospitals_api.DoctorTerritoryViewSet, basename="doctor-territory")
router.register("distributors", hospitals_api.DistributorViewSet, basename="distributor")
router.register("distributor-staff", hospitals_api.DistributorStaffViewSet, basename="distributor-staff")
router.register("distributor-coverage", hospitals_api.DistributorCoverageViewSet, basename="distributor-coverage")
router.register("distributor-agreements", hospitals_api.DistributorAgreementViewSet, basename="distributor-agreement")
router.register("products", hospitals_api.ProductViewSet, basename="product")
router.register("key-messages", hospitals_api.KeyMessageViewSet, basename="key-message")
router.register("usage-share", hospitals_api.UsageShareViewSet, basename="usage-share")
router.register("sales", hospitals_api.SalesRecordViewSet, basename="sales-record")
router.register("shipments", hospitals_api.ShipmentViewSet, basename="shipment")
router.register("imports", hospitals_api.ImportJobViewSet, basename="import")
router.register("visits", visits_api.VisitViewSet, basename="visit")
router.register("visit-amendments", visits_api.VisitAmendmentViewSet, basename="visit-amendment")
router.register("visit-plans", visits_api.VisitPlanViewSet, basename="visit-plan")
router.register("cycle-plans", visits_api.CyclePlanViewSet, basename="cycle-plan")
router.register("cycle-plan-lines", visits_api.CyclePlanLineViewSet, basename="cycle-plan-line")
router.register("followup-tasks", visits_api.FollowUpTaskViewSet, basename="followup-task")
router.register("medical-inquiries", visits_api.MedicalInquiryViewSet, basename="medical-inquiry")
router.register("content-items", visits_api.ContentItemViewSet, basename="content-item")
router.register("notifications", inbox_api.NotificationViewSet, basename="notification")
router.register("followup-rules", visits_api.FollowUpRuleViewSet, basename="followup-rule")
router.register("visit-settings", visits_api.VisitSettingsViewSet, basename="visit-settings")
router.register("scorecards", segmentation_api.ScorecardViewSet, basename="scorecard")
router.register("scorecard-versions", segmentation_api.ScorecardVersionViewSet, basename="scorecard-version")
router.register("imported-dimensions", segmentation_api.ImportedDimensionViewSet, basename="imported-dimension")
router.register("scoring-runs", segmentation_api.ScoringRunViewSet, basename="scoring-run")
router.register("tier-assignments", segmentation_api.TierAssignmentViewSet, basename="tier-assignment")
router.register("tier-overrides", segmentation_api.TierOverrideViewSet, basename="tier-override")
router.register("tier-settings", segmentation_api.TierSettingViewSet, basename="tier-setting")
router.register("adoptions", segmentation_api.AdoptionViewSet, basename="adoption")
router.register("complaints", complaints_api.ComplaintViewSet, basename="complaint")
router.register("complaint-slas", complaints_api.ComplaintSLAViewSet, basename="complaint-sla")
# Key opinion leaders: the expert database (hospitals) and account plans, paths, invitations (segmentation.kol)
router.register("expert-profiles", hospitals_api.ExpertProfileViewSet, basename="expert-profile")
router.register("academic-level-changes", hospitals_api.AcademicLevelChangeViewSet, basename="academic-level-change")
router.register("academic-level-rules", hospitals_api.AcademicLevelRuleViewSet, basename="academic-level-rule")
router.register("speaker-qualifications", hospitals_api.SpeakerQualificationViewSet, basename="speaker-qualification")
router.register("account-plans", segmentation_api.AccountPlanViewSet, basename="account-plan")
router.register("account-plan-members", segmentation_api.AccountPlanMemberViewSet, basename="account-plan-member")
router.register("account-plan-actions", segmentation_api.AccountPlanActionViewSet, basename="account-plan-action")
router.register(
    "account-plan-milestones", segmentation_api.AccountPlanMilestoneViewSet, basename="account-plan-milestone"
)
router.register("account-plan-reviews", segmentation_api.AccountPlanReviewViewSet, basename="account-plan-review")
router.register("invitation-lists", segmentation_api.InvitationListViewSet, basename="invitation-list")
router.register("kol-doctors", segmentation_api.KolDoctorViewSet, basename="kol-doctor")
router.register("programs", events_api.ProgramViewSet, basename="program")
router.register("events", events_api.EventViewSet, basename="event")
router.register("event-attendees", events_api.AttendeeViewSet, basename="event-attendee")
router.register("event-agenda", events_api.AgendaItemViewSet, basename="event-agenda-item")
router.register("event-budget-lines", events_api.BudgetLineViewSet, basename="event-budget-line")
router.register("event-expenses", events_api.ExpenseViewSet, basename="event-expense")
router.register("event-photos", events_api.EventPhotoViewSet, basename="event-photo")
router.register("event-questions", events_api.QuestionViewSet, basename="event-question")
router.register("event-self-signins", events_api.SelfSignInViewSet, basename="event-self-signin")
router.register("event-followups", events_api.FollowUpViewSet, basename="event-followup")
router.register("insights", events_api.InsightViewSet, basename="insight")
router.register("kpi-targets", analytics_api.KpiTargetViewSet, basename="kpi-target")
router.register("kpi-scores", analytics_api.KpiScoreViewSet, basename="kpi-score")
# Fees (events/fees): engagements and their workflow, the ledger, audit flags, rate cards, samples.
router.register("engagements", fees_api.EngagementViewSet, basename="engagement")
router.register("fee-records", fees_api.FeeRecordViewSet, basename="fee-record")
router.register("tov-entries", fees_api.ToVEntryViewSet, basename="tov-entry")
router.register("fee-flags", fees_api.FeeFlagViewSet, basename="fee-flag")
router.register("rate-cards", fees_api.RateCardViewSet, basename="rate-card")
router.register("rate-card-lines", fees_api.RateCardLineViewSet, basename="rate-card-line")
router.register("audit-samples", fees_api.AuditSampleViewSet, basename="audit-sample")
