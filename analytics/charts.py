"""Chart.js configurations built from selector results; templates pass them with json_script."""

from __future__ import annotations

from typing import Any

from analytics.selectors import CandidateDashboard, CohortDashboard, GroupStat, InterviewReport

EXPRESSIONS = ["angry", "disgust", "fear", "sad", "surprise", "neutral", "happy"]
PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04"]
EXPRESSION_COLOURS = {
    "happy": "#16a34a",
    "neutral": "#94a3b8",
    "surprise": "#ca8a04",
    "sad": "#2563eb",
    "fear": "#9333ea",
    "angry": "#dc2626",
    "disgust": "#ea580c",
}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _accuracy_axis() -> dict[str, Any]:
    return {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "accuracy %"}}}


def accuracy_bars(stats: list[GroupStat], title: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {
            "labels": [s.label for s in stats],
            "datasets": [
                {"label": title, "data": [_percent(s.accuracy) for s in stats], "backgroundColor": PALETTE[0]}
            ],
        },
        "options": {"scales": _accuracy_axis(), "plugins": {"legend": {"display": False}}},
    }


def expression_mix(mix: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "type": "doughnut",
        "data": {
            "labels": [label for label, _ in mix],
            "datasets": [
                {
                    "data": [n for _, n in mix],
                    "backgroundColor": [EXPRESSION_COLOURS.get(label, "#64748b") for label, _ in mix],
                }
            ],
        },
    }


def expression_timeline(report: InterviewReport) -> dict[str, Any]:
    """Each webcam sample as a point: seconds into the interview against the expression seen."""
    seen = {label for _, label, _ in report.expression_timeline}
    labels = [e for e in EXPRESSIONS if e in seen] + sorted(seen - set(EXPRESSIONS))
    return {
        "type": "scatter",
        "data": {
            "datasets": [
                {
                    "label": "expression",
                    "data": [
                        {"x": round(offset, 1), "y": label} for offset, label, _ in report.expression_timeline
                    ],
                    "backgroundColor": PALETTE[0],
                    "showLine": True,
                    "stepped": True,
                    "borderColor": "#93c5fd",
                }
            ]
        },
        "options": {
            "scales": {
                "x": {"type": "linear", "title": {"display": True, "text": "seconds into the interview"}},
                "y": {"type": "category", "labels": labels, "offset": True},
            },
            "plugins": {"legend": {"display": False}},
        },
    }


def candidate_charts(dashboard: CandidateDashboard) -> dict[str, dict[str, Any]]:
    dates = [row["started_at"].strftime("%d %b") for row in dashboard.recent]
    speaking = [row["report__speaking"] or {} for row in dashboard.recent]
    return {
        "accuracy-by-session": {
            "type": "line",
            "data": {
                "labels": dates,
                "datasets": [
                    {
                        "label": "accuracy %",
                        "data": [_percent(r["report__accuracy"]) for r in dashboard.recent],
                        "borderColor": PALETTE[0],
                        "spanGaps": True,
                        "tension": 0.2,
                    }
                ],
            },
            "options": {"scales": _accuracy_axis()},
        },
        "accuracy-by-topic": accuracy_bars(dashboard.by_topic, "accuracy %"),
        "accuracy-by-difficulty": accuracy_bars(dashboard.by_difficulty, "accuracy %"),
        "speaking-trend": {
            "type": "line",
            "data": {
                "labels": dates,
                "datasets": [
                    {
                        "label": "words per minute",
                        "data": [s.get("words_per_minute") for s in speaking],
                        "borderColor": PALETTE[1],
                        "yAxisID": "y",
                        "spanGaps": True,
                    },
                    {
                        "label": "fillers per 100 words",
                        "data": [s.get("filler_rate") for s in speaking],
                        "borderColor": PALETTE[2],
                        "yAxisID": "y1",
                        "spanGaps": True,
                    },
                    {
                        "label": "pauses per answer",
                        "data": [s.get("pauses_per_answer") for s in speaking],
                        "borderColor": PALETTE[3],
                        "yAxisID": "y1",
                        "spanGaps": True,
                    },
                ],
            },
            "options": {
                "scales": {
                    "y": {"position": "left"},
                    "y1": {"position": "right", "grid": {"drawOnChartArea": False}},
                }
            },
        },
        "expression-mix": expression_mix(dashboard.expression_mix),
    }


def cohort_charts(dashboard: CohortDashboard) -> dict[str, dict[str, Any]]:
    return {
        "cohort-by-topic": accuracy_bars(dashboard.by_topic, "accuracy %"),
        "cohort-by-difficulty": accuracy_bars(dashboard.by_difficulty, "accuracy %"),
    }
