from django.urls import path

from techfin.banks import views

urlpatterns = [
    path("banks/", views.bank_list, name="bank-list"),
    path("banks/new/", views.bank_create, name="bank-create"),
    path("banks/<int:pk>/", views.bank_detail, name="bank-detail"),
    path("banks/<int:pk>/edit/", views.bank_edit, name="bank-edit"),
    path("banks/<int:bank_pk>/branches/new/", views.branch_create, name="branch-create"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch-edit"),
    path("branches/<int:pk>/delete/", views.branch_delete, name="branch-delete"),
]
