from django.contrib.auth import views as auth_views
from django.urls import path

from techfin.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set-language"),
    path("banks/", views.bank_list, name="bank-list"),
    path("banks/new/", views.bank_create, name="bank-create"),
    path("banks/<int:pk>/", views.bank_detail, name="bank-detail"),
    path("banks/<int:pk>/edit/", views.bank_edit, name="bank-edit"),
    path("banks/<int:bank_pk>/branches/new/", views.branch_create, name="branch-create"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch-edit"),
    path("branches/<int:pk>/delete/", views.branch_delete, name="branch-delete"),
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("audit/", views.audit_log, name="audit-log"),
    path("history/<str:object_type>/<str:object_id>/", views.object_history, name="object-history"),
]
