from django.urls import path

from techfin.ledger import views

urlpatterns = [
    path("ledger/accounts/", views.account_list, name="ledger-account-list"),
    path("ledger/accounts/<int:pk>/", views.account_detail, name="ledger-account-detail"),
    path("ledger/transfers/<int:pk>/", views.transfer_detail, name="ledger-transfer-detail"),
]
