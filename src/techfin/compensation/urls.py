from django.urls import path

from techfin.compensation import recovery_views, views

urlpatterns = [
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/new/", views.claim_create, name="claim-create"),
    path("claims/queue/", views.claim_queue, name="claim-queue"),
    path("claims/queue/serve/", views.claim_queue_serve, name="claim-queue-serve"),
    path("claims/rounds/", views.round_list, name="round-list"),
    path("claims/rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("claims/rounds/<int:pk>/<str:action>/", views.round_action, name="round-action"),
    path("claims/recoveries/", recovery_views.recovery_list, name="recovery-list"),
    path("claims/recoveries/<int:pk>/", recovery_views.recovery_detail, name="recovery-detail"),
    path("claims/recoveries/<int:pk>/<str:action>/", recovery_views.recovery_action, name="recovery-action"),
    path("claims/transfers/", recovery_views.transfer_list, name="transfer-list"),
    path("claims/risk/", recovery_views.risk_controls, name="risk-controls"),
    path("claims/risk/alerts/<int:pk>/acknowledge/", recovery_views.alert_acknowledge, name="risk-alert-acknowledge"),
    path("claims/documents/<int:pk>/", views.claim_document, name="claim-document"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/documents/", views.claim_document_upload, name="claim-document-upload"),
    path("claims/<int:pk>/<str:action>/", views.claim_action, name="claim-action"),
    path("budgets/", views.budget_list, name="budget-list"),
    path("budgets/fund/", views.budget_fund, name="budget-fund"),
    path("budgets/<int:pk>/", views.budget_detail, name="budget-detail"),
]
