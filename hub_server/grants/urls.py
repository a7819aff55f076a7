"""The grant scheme's URLs: `staff` under /grants/, `public` under /public/grants/."""
from django.urls import path

from hub_server.grants import exports, public_views, views

staff = [
    path("", views.home, name="grants-home"),
    path("calls/new/", views.call_new, name="grants-call-new"),
    path("calls/<int:call_id>/", views.call_detail, name="grants-call"),
    path("calls/<int:call_id>/edit/", views.call_edit, name="grants-call-edit"),
    path("calls/<int:call_id>/criteria/", views.criterion_add, name="grants-criterion-add"),
    path("calls/<int:call_id>/publish/", views.call_publish, name="grants-call-publish"),
    path("calls/<int:call_id>/apply/", views.application_new, name="grants-apply"),
    path("calls/<int:call_id>/evaluation/", views.call_evaluation, name="grants-evaluation"),
    path("calls/<int:call_id>/assign-bulk/", views.assign_bulk, name="grants-assign-bulk"),
    path("calls/<int:call_id>/ranking/", views.call_ranking, name="grants-ranking"),
    path("applications/<int:application_id>/", views.application_detail, name="grants-application"),
    path("applications/<int:application_id>/budget/", views.budget_add, name="grants-budget-add"),
    path("applications/<int:application_id>/budget/<int:line_id>/remove/", views.budget_remove,
         name="grants-budget-remove"),
    path("applications/<int:application_id>/activities/", views.activity_add, name="grants-activity-add"),
    path("applications/<int:application_id>/attachments/", views.attachment_add, name="grants-attachment-add"),
    path("applications/<int:application_id>/submit/", views.application_submit, name="grants-submit"),
    path("applications/<int:application_id>/milestones/", views.milestone_add, name="grants-milestone-add"),
    path("applications/<int:application_id>/eligibility/", views.eligibility, name="grants-eligibility"),
    path("applications/<int:application_id>/assign/", views.assign, name="grants-assign"),
    path("applications/<int:application_id>/assignments/<int:assignment_id>/withdraw/", views.unassign,
         name="grants-unassign"),
    path("applications/<int:application_id>/withdraw-award/", views.award_withdraw, name="grants-award-withdraw"),
    path("applications/<int:application_id>/consensus/", views.consensus, name="grants-consensus"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="grants-attachment"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="grants-assignment"),
    path("assignments/<int:assignment_id>/declare/", views.declare, name="grants-declare"),
    path("assignments/<int:assignment_id>/score/", views.score, name="grants-score"),
    path("export/<str:dataset>.<str:fmt>", exports.export, name="grants-export"),
    path("audit/", views.audit_log, name="grants-audit"),
]
public = [
    path("", public_views.calls, name="grants-public"),
    path("calls/<int:call_id>/", public_views.call, name="grants-public-call"),
]
