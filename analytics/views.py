"""Analytics pages: interview report, candidate dashboard, cohorts, CSV exports and the admin overview."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.cohorts import (
    CohortError,
    create_cohort,
    join_cohort,
    leave_cohort,
    normalise_code,
    set_recommendation,
)
from accounts.forms import CohortForm, JoinForm, RecommendationForm
from accounts.models import Cohort
from accounts.selectors import cohorts_joined_by, cohorts_taught_by
from analytics import charts, exports
from analytics.forms import ExportFilterForm
from analytics.selectors import (
    admin_overview,
    candidate_dashboard,
    cohort_dashboard,
    interview_report,
)
from interviews.catalog import TOPICS
from interviews.selectors import sessions_reviewable_by
from interviews.services.reporting import ensure_report

# --- reports ----------------------------------------------------------------------------------


def _visible_session(request, pk: int):
    return get_object_or_404(sessions_reviewable_by(request.user).select_related("owner", "report"), pk=pk)


def _report_of(request, pk: int):
    session = _visible_session(request, pk)
    ensure_report(session=session)  # built on first view; the page shows the turns even if that fails
    return interview_report(session=session)


@login_required
def report(request, pk: int):
    view = _report_of(request, pk)
    return render(
        request,
        "analytics/report.html",
        {
            "view": view,
            "session": view.session,
            "timeline_chart": charts.expression_timeline(view) if view.expression_timeline else None,
            "is_owner": view.session.owner_id == request.user.pk,
        },
    )


@login_required
def report_markdown(request, pk: int):
    view = _report_of(request, pk)
    response = HttpResponse(exports.report_markdown(view), content_type="text/markdown; charset=utf-8")
    filename = f"interbot-report-{view.session.pk}-{slugify(view.session.candidate_name) or 'candidate'}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- candidate dashboard ----------------------------------------------------------------------


@login_required
def dashboard(request):
    data = candidate_dashboard(user=request.user)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "dashboard": data,
            "charts": charts.candidate_charts(data) if not data.is_empty else {},
        },
    )


# --- cohorts ----------------------------------------------------------------------------------


def _taught_cohort(request, pk: int) -> Cohort:
    """The cohort if the user teaches it: 403 for candidates, 404 for another instructor's cohort."""
    if not request.user.is_instructor:
        raise PermissionDenied("Only instructors manage cohorts.")
    return get_object_or_404(cohorts_taught_by(request.user), pk=pk)


@login_required
def cohort_list(request):
    return render(
        request,
        "analytics/cohort_list.html",
        {
            "taught": cohorts_taught_by(request.user).order_by("name") if request.user.is_instructor else [],
            "joined": cohorts_joined_by(request.user),
            "join_form": JoinForm(),
        },
    )


@login_required
def cohort_create(request):
    if not request.user.is_instructor:
        raise PermissionDenied("Only instructors can create cohorts.")
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = create_cohort(instructor=request.user, **form.cleaned_data)
        messages.success(request, f"Cohort created. Its join code is {cohort.join_code}.")
        return redirect("analytics:cohort_detail", pk=cohort.pk)
    return render(request, "analytics/cohort_form.html", {"form": form})


@login_required
def cohort_detail(request, pk: int):
    taught = cohorts_taught_by(request.user).filter(pk=pk).first() if request.user.is_instructor else None
    if taught is not None:
        cohort = taught
        form = RecommendationForm(request.POST or None, instance=cohort)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            set_recommendation(
                cohort=cohort,
                topic=data["recommended_topic"],
                position=data["recommended_position"],
                difficulty=data["recommended_difficulty"],
            )
            messages.success(request, "Recommendation saved: members' start form now suggests it.")
            return redirect("analytics:cohort_detail", pk=cohort.pk)
        data = cohort_dashboard(cohort=cohort)
        return render(
            request,
            "analytics/cohort_detail.html",
            {
                "dashboard": data,
                "cohort": cohort,
                "form": form,
                "charts": charts.cohort_charts(data),
                "join_url": request.build_absolute_uri(cohort_join_url(cohort)),
                "topics": TOPICS,
            },
        )
    cohort = get_object_or_404(cohorts_joined_by(request.user), pk=pk)
    return render(request, "analytics/cohort_member.html", {"cohort": cohort})


def cohort_join_url(cohort: Cohort) -> str:
    return reverse("analytics:cohort_join_link", args=[cohort.join_code])


def _join(request, code: str):
    try:
        cohort = join_cohort(user=request.user, code=code)
    except CohortError as error:
        messages.error(request, str(error))
        return redirect("analytics:cohorts")
    messages.success(request, f"You joined {cohort.name}.")
    return redirect("analytics:cohort_detail", pk=cohort.pk)


@login_required
@require_POST
def cohort_join(request):
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the join code your instructor gave you.")
        return redirect("analytics:cohorts")
    return _join(request, form.cleaned_data["code"])


@login_required
def cohort_join_link(request, code: str):
    """A shared join link: GET asks for confirmation (links get prefetched), POST joins."""
    if request.method == "POST":
        return _join(request, code)
    cohort = Cohort.objects.filter(join_code=normalise_code(code)).select_related("instructor").first()
    if cohort is None:
        raise Http404("No cohort has this join code.")
    return render(request, "analytics/cohort_join.html", {"cohort": cohort, "code": cohort.join_code})


@login_required
@require_POST
def cohort_leave(request, pk: int):
    cohort = get_object_or_404(Cohort, pk=pk)
    try:
        leave_cohort(user=request.user, cohort=cohort)
    except CohortError as error:
        raise Http404(str(error)) from error
    messages.success(request, f"You left {cohort.name}.")
    return redirect("analytics:cohorts")


# --- CSV exports ------------------------------------------------------------------------------


def _export(request, pk: int, *, kind: str):
    cohort = _taught_cohort(request, pk)
    filters = ExportFilterForm(request.GET)
    if not filters.is_valid():
        return HttpResponseBadRequest("Invalid filter: use ?from=YYYY-MM-DD&to=YYYY-MM-DD&topic=slug")
    sessions = exports.filtered_sessions(
        cohort,
        start=filters.cleaned_data["from_"],
        end=filters.cleaned_data["to"],
        topic=filters.cleaned_data["topic"],
    ).filter(pk__in=sessions_reviewable_by(request.user).values("pk"))
    if kind == "sessions":
        lines = exports.csv_lines(exports.SESSION_COLUMNS, exports.session_rows(sessions))
    else:
        lines = exports.csv_lines(exports.ANSWER_COLUMNS, exports.answer_rows(sessions))
    # Under ASGI Django would list() a sync iterator; hand it an async one to keep streaming.
    content = exports.as_async(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohort-{cohort.pk}-{kind}.csv"'
    return response


@login_required
def export_sessions(request, pk: int):
    return _export(request, pk, kind="sessions")


@login_required
def export_answers(request, pk: int):
    return _export(request, pk, kind="answers")


# --- admin overview ---------------------------------------------------------------------------


def _admin_overview(request):
    data = admin_overview()
    return render(
        request,
        "analytics/admin_overview.html",
        {
            **admin.site.each_context(request),
            "title": "Analytics overview",
            "overview": data,
            "days_chart": {
                "type": "bar",
                "data": {
                    "labels": [day.strftime("%d %b") for day, _ in data.days],
                    "datasets": [
                        {
                            "label": "sessions started",
                            "data": [n for _, n in data.days],
                            "backgroundColor": charts.PALETTE[0],
                        }
                    ],
                },
                "options": {"plugins": {"legend": {"display": False}}},
            },
            "topic_chart": charts.accuracy_bars(data.by_topic, "accuracy %"),
        },
    )


# admin_view: staff only, anyone else goes to the admin login page, like every other admin page.
admin_overview_view = admin.site.admin_view(_admin_overview)
