from django.urls import path

from techfin.enterprises import views

urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
]
