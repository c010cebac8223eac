"""The dashboard's sections, in page order, and the marts each one needs.

A section is built only when every mart it needs exists in the warehouse;
otherwise it is left out of the page (the marts of later issues land over
time). `optional` marts enrich a section when present.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from revops.dashboard.common import Context, Section
from revops.dashboard.sections.attribution import build_attribution
from revops.dashboard.sections.campaigns import build_campaigns
from revops.dashboard.sections.conflicts import build_conflicts
from revops.dashboard.sections.drift import build_drift
from revops.dashboard.sections.funnel import build_cohorts, build_funnel
from revops.dashboard.sections.handoff import build_handoff
from revops.dashboard.sections.kpi import build_kpi
from revops.dashboard.sections.pipeline import build_coverage, build_performance, build_pipeline
from revops.dashboard.sections.revenue import build_revenue
from revops.dashboard.sections.shortfall import build_shortfall


@dataclass(frozen=True)
class SectionSpec:
    id: str
    needs: tuple[str, ...]
    build: Callable[[Context], Section | None]
    wide: bool = True


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "funnel",
        ("marts.mart_stage_conversion_half", "marts.mart_stage_conversion_unit_monthly"),
        build_funnel,
        wide=False,
    ),
    SectionSpec(
        "shortfall",
        ("marts.mart_funnel_shortfall", "marts.mart_funnel_shortfall_all_units"),
        build_shortfall,
        wide=False,
    ),
    SectionSpec("kpi", ("marts.mart_forward_kpi",), build_kpi),
    SectionSpec(
        "campaigns", ("marts.mart_campaign_efficiency", "marts.mart_channel_efficiency"), build_campaigns
    ),
    SectionSpec("attribution", ("marts.mart_campaign_attribution",), build_attribution),
    SectionSpec("cohorts", ("marts.mart_stage_conversion_unit_monthly",), build_cohorts),
    SectionSpec(
        "handoff",
        ("marts.mart_handoff_sla_half", "marts.mart_handoff_sla_monthly", "marts.mart_handoff_sla"),
        build_handoff,
        wide=False,
    ),
    SectionSpec(
        "drift",
        (
            "marts.mart_definition_drift",
            "marts.mart_definition_drift_half",
            "marts.mart_definition_drift_all_units",
        ),
        build_drift,
        wide=False,
    ),
    SectionSpec("conflicts", ("marts.mart_account_conflicts",), build_conflicts),
    SectionSpec(
        "revenue",
        (
            "marts.mart_arr_bridge",
            "marts.mart_revenue_retention",
            "marts.mart_revenue_retention_all_units",
            "marts.mart_unit_economics",
            "marts.mart_unit_economics_all_units",
            "marts.fct_contract",
        ),
        build_revenue,
    ),
    SectionSpec("pipeline", ("marts.mart_pipeline_waterfall",), build_pipeline, wide=False),
    SectionSpec("coverage", ("marts.mart_pipeline_coverage",), build_coverage, wide=False),
    SectionSpec("performance", ("marts.mart_sales_performance_by_unit",), build_performance),
)
