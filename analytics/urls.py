from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/report.md", views.report_markdown, name="report_markdown"),
    path("cohorts/", views.cohort_list, name="cohorts"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/join/", views.cohort_join, name="cohort_join"),
    path("cohorts/join/<str:code>/", views.cohort_join_link, name="cohort_join_link"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/leave/", views.cohort_leave, name="cohort_leave"),
    path("cohorts/<int:pk>/export/sessions.csv", views.export_sessions, name="export_sessions"),
    path("cohorts/<int:pk>/export/answers.csv", views.export_answers, name="export_answers"),
    path("admin/", views.admin_overview_view, name="admin_overview"),
]
