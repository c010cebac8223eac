"""Every word the dashboard shows, in Japanese and English, written once.

`MESSAGES` maps a key to its Japanese and English text. Texts may carry
`str.format` placeholders. Keys under `page.` are shipped to the page's
script (filter labels, empty states); everything else is resolved in Python.
Codes from the data (stages, teams, channels, business units, metrics) are
looked up as `<kind>.<code>` and fall back to the code itself when the
dictionary has no entry, so a new channel still shows up, untranslated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from revops.dashboard.formatting import Lang

MESSAGES: dict[str, dict[str, str]] = {
    # The page frame.
    "page.title": {"ja": "レベニュー・ファネル ダッシュボード", "en": "Revenue funnel dashboard"},
    "page.lead": {
        "ja": "マーケティング → インサイドセールス → フィールドセールス → カスタマーサクセス。どこで漏れ、誰の持ち場かを一枚で。",
        "en": "Marketing → inside sales → field sales → customer success: where the funnel leaks, and whose stage it is.",
    },
    "page.as_of": {"ja": "データ基準日", "en": "Data as of"},
    "page.as_of_source.latest_event": {"ja": "最新イベント", "en": "latest event"},
    "page.as_of_source.var": {"ja": "指定日", "en": "set date"},
    "page.as_of_source.export_time": {"ja": "エクスポート時刻", "en": "export time"},
    "page.as_of_source.latest_stage": {"ja": "最新のステージ時刻", "en": "latest stage time"},
    "page.filter_half": {"ja": "半期", "en": "Fiscal half"},
    "page.filter_unit": {"ja": "事業部", "en": "Business unit"},
    "page.filter_quarter": {"ja": "四半期 (パイプライン)", "en": "Fiscal quarter (pipeline)"},
    "page.current_suffix": {"ja": " (進行中)", "en": " (in progress)"},
    "page.no_data": {"ja": "この条件のデータはありません。", "en": "No data for this selection."},
    "page.show_table": {"ja": "数値の一覧", "en": "The numbers"},
    "page.scope_half_unit": {"ja": "半期・事業部で絞り込み", "en": "Filtered by half and unit"},
    "page.scope_unit": {"ja": "事業部で絞り込み (全期間)", "en": "Filtered by unit (all periods)"},
    "page.scope_half": {"ja": "半期で絞り込み (全事業部)", "en": "Filtered by half (all units)"},
    "page.scope_none": {"ja": "絞り込みなし", "en": "Not filtered"},
    "page.scope_quarter_unit": {"ja": "四半期・事業部で絞り込み", "en": "Filtered by quarter and unit"},
    "page.footer": {
        "ja": "全ての数値は dbt の marts スキーマから生成。定義と列の説明: dbt docs (dbt docs generate --static) と README.md。このページの読み方と BI ツールからの接続: docs/dashboard.md。",
        "en": "Every number comes from the dbt `marts` schema. Definitions and columns: dbt docs (dbt docs generate --static) and README.md. Reading this page and connecting BI tools: docs/dashboard.md.",
    },
    "page.sections": {"ja": "目次", "en": "Contents"},
    "page.immature_suffix": {"ja": " (成熟前)", "en": " (immature)"},
    "page.default_mature": {
        "ja": "最初の表示は成熟済みの最新半期 ({half}): 全リードが作成から{days}日 (前方KPIの計測期間) 以上経過し、前方KPIと計画差は確定しています。ファネルの受注・更新は後から増えることがあります。「成熟前」の半期は数字がまだ動きます。",
        "en": "Opens on the latest mature half ({half}): every lead has had {days} days, the forward KPIs' window, so its forward KPIs and plan comparison are final; the funnel's won and renewed counts can still grow. Halves marked immature are still moving.",
    },
    "page.default_no_mature": {
        "ja": "成熟済みの半期はまだありません (作成から{days}日未満のリードを含む)。表示中の数字は確定前です。",
        "en": "No half is mature yet (each has leads younger than {days} days); the numbers shown are not final.",
    },
    "page.immature_badge": {
        "ja": "成熟前の半期: 数字は確定前で、まだ動きます",
        "en": "Immature half: provisional numbers, still moving",
    },
    # Labels for codes.
    "unit.__all__": {"ja": "全事業部", "en": "All units"},
    "unit.saas": {"ja": "SaaS事業部", "en": "SaaS"},
    "unit.consulting": {"ja": "コンサルティング事業部", "en": "Consulting"},
    "unit.hardware": {"ja": "ハードウェア事業部", "en": "Hardware"},
    "half.H1": {"ja": "上期", "en": "H1"},
    "half.H2": {"ja": "下期", "en": "H2"},
    "half_label": {"ja": "{year}年度 {half}", "en": "FY{year} {half}"},
    "month_label": {"ja": "{year}年{month}月", "en": "{year}-{month:02}"},
    "date_label": {"ja": "{year}年{month}月{day}日", "en": "{year}-{month:02}-{day:02}"},
    "month_tick": {"ja": "%Y年%-m月", "en": "%b %Y"},
    "stage.lead": {"ja": "リード", "en": "Lead"},
    "stage.mql": {"ja": "MQL", "en": "MQL"},
    "stage.sal": {"ja": "SAL", "en": "SAL"},
    "stage.opportunity": {"ja": "商談", "en": "Opportunity"},
    "stage.won": {"ja": "受注", "en": "Won"},
    "stage.renewed": {"ja": "更新", "en": "Renewed"},
    "transition": {"ja": "{source}→{target}", "en": "{source} → {target}"},
    "team.marketing": {"ja": "マーケティング", "en": "Marketing"},
    "team.inside_sales": {"ja": "インサイドセールス", "en": "Inside sales"},
    "team.field_sales": {"ja": "フィールドセールス", "en": "Field sales"},
    "team.customer_success": {"ja": "カスタマーサクセス", "en": "Customer success"},
    "channel.exhibition": {"ja": "展示会", "en": "Trade show"},
    "channel.webinar": {"ja": "ウェビナー", "en": "Webinar"},
    "channel.seminar": {"ja": "セミナー", "en": "Seminar"},
    "channel.paid_search": {"ja": "検索広告", "en": "Paid search"},
    "channel.paid_social": {"ja": "SNS広告", "en": "Paid social"},
    "channel.content": {"ja": "コンテンツ", "en": "Content"},
    "channel.email": {"ja": "メール", "en": "Email"},
    "channel.referral": {"ja": "紹介", "en": "Referral"},
    "channel.outbound": {"ja": "アウトバウンド", "en": "Outbound"},
    "channel.other": {"ja": "その他", "en": "Other"},
    "channel.unknown": {"ja": "キャンペーンなし", "en": "No campaign"},
    "model.first_touch": {"ja": "ファーストタッチ", "en": "First touch"},
    "model.last_touch": {"ja": "ラストタッチ", "en": "Last touch"},
    "model.linear": {"ja": "均等配分", "en": "Linear"},
    "model.u_shaped": {"ja": "U字型", "en": "U-shaped"},
    "model.w_shaped": {"ja": "W字型", "en": "W-shaped"},
    "model.time_decay": {"ja": "時間減衰", "en": "Time decay"},
    "list_separator": {"ja": "、", "en": ", "},
    "metric.leads": {"ja": "リード数", "en": "Leads"},
    "metric.mqls": {"ja": "MQL数", "en": "MQLs"},
    "metric.sals": {"ja": "SAL数", "en": "SALs"},
    "metric.opportunities": {"ja": "商談数", "en": "Opportunities"},
    "metric.won_deals": {"ja": "受注件数", "en": "Won deals"},
    "metric.won_amount": {"ja": "受注金額", "en": "Won amount"},
    "metric.renewals": {"ja": "更新数", "en": "Renewals"},
    "metric.opportunities_from_mqls": {
        "ja": "MQLからの商談化 (先行)",
        "en": "Opportunities from MQLs (forward)",
    },
    "metric.won_from_opportunities": {
        "ja": "商談からの受注 (先行)",
        "en": "Won from opportunities (forward)",
    },
    "metric.pipeline_from_mqls": {"ja": "MQLからのパイプライン (先行)", "en": "Pipeline from MQLs (forward)"},
    "metric.blended": {"ja": "総合 (加重)", "en": "Blended"},
    "factor.lead_volume": {"ja": "リード数", "en": "Lead volume"},
    "factor.lead_to_mql": {"ja": "リード→MQL率", "en": "Lead → MQL"},
    "factor.mql_to_sal": {"ja": "MQL→SAL率", "en": "MQL → SAL"},
    "factor.sal_to_opportunity": {"ja": "SAL→商談率", "en": "SAL → opportunity"},
    "factor.opportunity_to_won": {"ja": "商談→受注率", "en": "Opportunity → won"},
    "factor.deal_size": {"ja": "受注単価", "en": "Deal size"},
    "factor.unattributed": {"ja": "配分不能", "en": "Unattributed"},
    "owner.(no response)": {"ja": "未対応", "en": "No response"},
    "owner.(unknown)": {"ja": "担当者不明", "en": "Unknown owner"},
    # End-to-end funnel.
    "funnel.title": {"ja": "ファネル全体 (リード → 更新)", "en": "End-to-end funnel (lead → renewal)"},
    "funnel.subtitle": {
        "ja": "選択した半期に作成されたリードが、基準日までにどの段階まで進んだか。率は前の段階からの転換率。",
        "en": "Leads created in the selected half and how far they got by the as-of date. Rates are stage-to-stage conversion.",
    },
    "funnel.col_stage": {"ja": "段階", "en": "Stage"},
    "funnel.col_reached": {"ja": "到達数", "en": "Reached"},
    "funnel.col_converted": {"ja": "次の段階へ進んだ数", "en": "Moved to next stage"},
    "funnel.col_rate": {"ja": "転換率", "en": "Conversion"},
    "funnel.card_lead_to_won": {"ja": "リード→受注率", "en": "Lead → won"},
    "funnel.bar_text": {"ja": "{count} (前段から {rate})", "en": "{count} ({rate} of previous)"},
    "funnel.immature": {
        "ja": "この半期のうち {months} のリードは作成から{days}日未満です。後ろの段階の数字はまだ増えます。",
        "en": "Leads created in {months} have had less than {days} days; later stages will still grow.",
    },
    "funnel.renewals_not_final": {
        "ja": "受注→更新はまだ確定していません: 受注は約{months}か月後 (既定の契約期間) に猶予{grace}日を加えて更新を迎えるため、この半期のリードの更新は少なくとも{until}まで増えます。",
        "en": "Won → renewed is not final: a deal comes up for renewal about {months} months after its win (the default contract term) plus {grace} days' grace, so this half's renewals can grow until at least {until}.",
    },
    "funnel.weakest": {
        "ja": "最も低い転換: {transition} ({rate})",
        "en": "Weakest conversion: {transition} ({rate})",
    },
    # Cohort trends.
    "cohorts.title": {"ja": "コホート別の転換率の推移", "en": "Conversion by monthly cohort"},
    "cohorts.subtitle": {
        "ja": "リード作成月ごとの段階間転換率。点線・白抜きは成熟前のコホート (月末から基準日まで{days}日未満) で、まだ上がります。網掛けは選択中の半期。",
        "en": "Stage-to-stage conversion by the month leads were created. Dotted, hollow points are immature cohorts (less than {days} days from month end to the as-of date) and will still rise. The band is the selected half.",
    },
    "cohorts.col_month": {"ja": "作成月", "en": "Cohort"},
    "cohorts.col_leads": {"ja": "リード数", "en": "Leads"},
    "cohorts.col_status": {"ja": "成熟度", "en": "Maturity"},
    "cohorts.mature": {"ja": "成熟", "en": "mature"},
    "cohorts.immature": {"ja": "成熟前", "en": "immature"},
    "cohorts.immature_band": {"ja": "成熟前 ({days}日未満)", "en": "immature (< {days} days)"},
    "cohorts.selected_half": {"ja": "選択中の半期", "en": "selected half"},
    "cohorts.axis_rate": {"ja": "転換率", "en": "Conversion"},
    # Campaign efficiency.
    "campaigns.title": {
        "ja": "キャンペーン効率: リード単価 と 商談単価",
        "en": "Campaign efficiency: cost per lead vs cost per opportunity",
    },
    "campaigns.subtitle": {
        "ja": "チャネル別 (キャンペーンが生んだリード基準、全期間)。リードが安くても商談が高いチャネルに注意。",
        "en": "By channel (leads sourced by the campaign, all periods). Watch for channels whose cheap leads make expensive opportunities.",
    },
    "campaigns.cpl": {"ja": "リード単価", "en": "Cost per lead"},
    "campaigns.cpo": {"ja": "商談単価", "en": "Cost per opportunity"},
    "campaigns.trap": {
        "ja": "{channel}: リード単価は {cpl} と安いが、商談単価は {cpo} (リード単価の {multiple} 倍)。商談化率 {rate}。",
        "en": "{channel}: leads are cheap at {cpl}, but an opportunity costs {cpo} ({multiple}× the cost per lead); lead-to-opportunity {rate}.",
    },
    "campaigns.no_opportunity": {
        "ja": "{channel}: {cost} を使い {leads} 件のリードを獲得したが、商談はまだ 0 件 (商談単価を算出できない、最も割高なチャネル。リードが新しい場合はこれから増える可能性あり)。",
        "en": "{channel}: {cost} spent for {leads} leads and not one opportunity so far (no cost per opportunity: the dearest channel of all, unless its leads are too recent).",
    },
    "campaigns.table_title": {
        "ja": "費用の大きいキャンペーン (上位{limit}件)",
        "en": "Largest campaigns by cost (top {limit})",
    },
    "campaigns.col_campaign": {"ja": "キャンペーン", "en": "Campaign"},
    "campaigns.col_channel": {"ja": "チャネル", "en": "Channel"},
    "campaigns.col_cost": {"ja": "費用", "en": "Cost"},
    "campaigns.col_leads": {"ja": "リード", "en": "Leads"},
    "campaigns.col_opportunities": {"ja": "商談", "en": "Opportunities"},
    "campaigns.col_roi": {"ja": "ROI", "en": "ROI"},
    "campaigns.card_cost": {"ja": "費用合計", "en": "Total cost"},
    # Shortfall decomposition.
    "shortfall.title": {
        "ja": "受注の計画差の要因分解 (どの段階・どのチームか)",
        "en": "Won deals against plan: which stage, which team",
    },
    "shortfall.subtitle": {
        "ja": "計画との差 (受注件数) を、リード数と各段階の転換率に分解。各要因の担当チームを表示し、最も損失の大きい要因 (ボトルネック) を赤で示す。要因の合計は実績−計画に一致。",
        "en": "The gap in won deals against plan, split into lead volume and each stage's conversion, each with its owning team; the factor that lost the most (the bottleneck) is red. The factors add up to actual − plan.",
    },
    "shortfall.card_plan": {"ja": "計画 (受注件数)", "en": "Plan (won deals)"},
    "shortfall.card_actual": {"ja": "実績 (受注件数)", "en": "Actual (won deals)"},
    "shortfall.card_gap": {"ja": "差", "en": "Gap"},
    "shortfall.axis": {"ja": "計画 ({plan}件) との差 (受注件数)", "en": "Won deals against plan ({plan})"},
    "shortfall.bottleneck": {
        "ja": "ボトルネック: {factor} ({team}) で受注 {effect} 件",
        "en": "Bottleneck: {factor} ({team}), {effect} won deals",
    },
    "shortfall.no_loss": {"ja": "計画を下回った要因はありません。", "en": "No factor fell short of plan."},
    "shortfall.no_plan": {
        "ja": "この半期・事業部には計画 (目標) がありません。",
        "en": "No plan (targets) for this half and unit.",
    },
    "shortfall.immature": {
        "ja": "成熟前の半期のため、要因分解はしません (ボトルネックなし): 基準日 {as_of} の時点で半期が終わっておらず、各段階の数字が確定していないため、どのチームの損失とも言えません。計画との差はすべて「未割当」です。",
        "en": "No factor attribution for an immature half (no bottleneck): at the as-of date {as_of} the half is not over and its stage counts are not final, so no team can be blamed yet. The whole gap to plan is unattributed.",
    },
    "shortfall.immature_row": {"ja": "未割当 (成熟前の半期)", "en": "Unattributed (immature half)"},
    "shortfall.bar_gap": {"ja": "実績 − 計画", "en": "Actual − plan"},
    "shortfall.plan_line": {"ja": "0 = 計画 ({plan}件)", "en": "0 = plan ({plan} deals)"},
    "shortfall.hover_factor": {
        "ja": "影響 {effect}件 / 累計 {running}件 (計画比) → {level}件",
        "en": "effect {effect} / running {running} against plan → {level} deals",
    },
    "shortfall.hover_gap": {
        "ja": "計画 {plan}件 → 実績 {actual}件 (差 {gap}件)",
        "en": "plan {plan} → actual {actual} ({gap} deals)",
    },
    "shortfall.without_plan": {
        "ja": "計画のない事業部 ({units}) は含みません。",
        "en": "Units without a plan ({units}) are not included.",
    },
    "shortfall.col_factor": {"ja": "要因", "en": "Factor"},
    "shortfall.col_team": {"ja": "担当チーム", "en": "Owning team"},
    "shortfall.col_deals": {"ja": "受注件数への影響", "en": "Effect on won deals"},
    "shortfall.col_amount": {"ja": "受注金額への影響", "en": "Effect on won amount"},
    # Forward-KPI scorecards.
    "kpi.title": {
        "ja": "チーム別 KPI スコアカード (先行指標込み)",
        "en": "Team scorecards with forward KPIs",
    },
    "kpi.subtitle": {
        "ja": "各チームは自分の段階だけでなく、一歩先の成果 (例: マーケティングは商談化) でも評価。総合は重み付き達成率の合計。斜線は未確定 (先行指標の集計期間が終わっていない)。",
        "en": "Each team is judged on the stage one step ahead as well as its own (marketing on opportunities, not only leads). Blended = the sum of weighted attainments. Hatched: not final yet (forward windows still open).",
    },
    "kpi.card_note_immature": {"ja": "未確定", "en": "not final"},
    "kpi.card_lowest": {"ja": "{team} (最低: {unit})", "en": "{team} (lowest: {unit})"},
    "kpi.axis": {"ja": "達成率", "en": "Attainment"},
    "kpi.target_line": {"ja": "目標 100%", "en": "target 100%"},
    "kpi.no_target": {
        "ja": "この半期・事業部には目標がありません。",
        "en": "No targets for this half and unit.",
    },
    "kpi.below": {
        "ja": "目標未達のチーム: {teams}",
        "en": "Teams below target: {teams}",
    },
    "kpi.col_team": {"ja": "チーム", "en": "Team"},
    "kpi.col_unit": {"ja": "事業部", "en": "Unit"},
    "kpi.col_metric": {"ja": "指標", "en": "Metric"},
    "kpi.col_actual": {"ja": "実績", "en": "Actual"},
    "kpi.col_target": {"ja": "目標", "en": "Target"},
    "kpi.col_attainment": {"ja": "達成率", "en": "Attainment"},
    "kpi.col_weight": {"ja": "重み", "en": "Weight"},
    "kpi.col_maturity": {"ja": "確定", "en": "Final"},
    "kpi.mature": {"ja": "確定", "en": "final"},
    "kpi.immature": {"ja": "未確定 (期間完了 {share})", "en": "not final ({share} of windows complete)"},
    "kpi.immature_blended": {"ja": "未確定", "en": "not final"},
    # Hand-off SLA.
    "handoff.title": {
        "ja": "MQL引き渡しのSLA (インサイドセールスの初動)",
        "en": "MQL hand-off SLA (inside sales response)",
    },
    "handoff.subtitle": {
        "ja": "MQLに{days}営業日以内 (土日祝を除く) に最初の対応をしたか。MQLの発生月ごと。",
        "en": "Whether inside sales responded to each MQL within {days} business days (weekends and Japanese holidays excluded), by the MQL's month.",
    },
    "handoff.card_handed": {"ja": "引き渡しMQL", "en": "MQLs handed over"},
    "handoff.card_breached": {"ja": "SLA違反", "en": "Breached"},
    "handoff.card_rate": {"ja": "違反率", "en": "Breach rate"},
    "handoff.card_open": {"ja": "未対応 (期限内)", "en": "Open, still in time"},
    "handoff.unanswered": {
        "ja": "{count}件のMQLは一度も対応されないまま期限切れです。",
        "en": "{count} MQLs passed the SLA without any response.",
    },
    "handoff.worst_owner": {
        "ja": "違反が最も多い担当者: {owner} ({count}件、違反率 {rate})",
        "en": "Most breaches: {owner} ({count}, {rate} of their MQLs)",
    },
    "handoff.series_in_sla": {"ja": "期限内に対応", "en": "Responded in time"},
    "handoff.series_late": {"ja": "期限後に対応", "en": "Responded late"},
    "handoff.series_open_breached": {"ja": "未対応・期限切れ", "en": "No response, past due"},
    "handoff.series_open": {"ja": "未対応・期限内", "en": "No response, still in time"},
    "handoff.axis": {"ja": "MQL数", "en": "MQLs"},
    "handoff.table_title": {
        "ja": "担当者別 (違反の多い順、上位{limit})",
        "en": "By owner (most breaches first, top {limit})",
    },
    "handoff.col_owner": {"ja": "担当者", "en": "Owner"},
    "handoff.col_handed": {"ja": "引き渡し", "en": "Handed over"},
    "handoff.col_in_sla": {"ja": "期限内", "en": "In time"},
    "handoff.col_late": {"ja": "期限後", "en": "Late"},
    "handoff.col_breached": {"ja": "違反", "en": "Breached"},
    "handoff.col_rate": {"ja": "違反率", "en": "Breach rate"},
    # Multi-touch attribution.
    "attribution.title": {
        "ja": "アトリビューション別の商談単価",
        "en": "Cost per opportunity by attribution model",
    },
    "attribution.subtitle": {
        "ja": "半期の費用 ÷ その半期に商談化したリードへの貢献度。リードを作ったキャンペーンだけを評価する (ファーストタッチ) か、途中の接点も評価する (W字型) かで順位が変わる。",
        "en": "Cost in the half ÷ credit for leads that became opportunities in it. Crediting only the campaign that created the lead (first touch) or also the touches along the way (W-shaped) can change the ranking.",
    },
    "attribution.flip": {
        "ja": "{first}では「{cheaper}」の商談単価が「{dearer}」より安いが、{second}では逆転する。",
        "en": "By {first}, “{cheaper}” makes opportunities cheaper than “{dearer}”; by {second}, the order reverses.",
    },
    "attribution.col_cost": {"ja": "半期の費用", "en": "Cost in half"},
    "attribution.table_title": {
        "ja": "モデル別の商談単価 (費用上位{limit}キャンペーン)",
        "en": "Cost per opportunity by model (top {limit} campaigns by cost)",
    },
    # Business-unit conflicts.
    "conflicts.title": {"ja": "事業部間の重複アプローチ", "en": "Business units chasing the same company"},
    "conflicts.subtitle": {
        "ja": "基準日時点で、2つ以上の事業部が同じ企業にリードや商談を持っている。他事業部が既に受注済みの企業は赤。",
        "en": "Companies where two or more units have active leads or open opportunities at the as-of date. Red: another unit has already won the company.",
    },
    "conflicts.card_companies": {"ja": "重複している企業", "en": "Companies in conflict"},
    "conflicts.card_won_elsewhere": {"ja": "うち他事業部で受注済み", "en": "Already won by another unit"},
    "conflicts.card_open_opportunities": {"ja": "進行中の商談", "en": "Open opportunities"},
    "conflicts.none": {"ja": "重複している企業はありません。", "en": "No company is chased by two units."},
    "conflicts.won_elsewhere": {
        "ja": "{count}社は他の事業部が既に受注済み。担当同士で連携を。",
        "en": "{count} companies are already customers of another unit: the owners should talk.",
    },
    "conflicts.series_won_elsewhere": {"ja": "他事業部で受注済み", "en": "Won by another unit"},
    "conflicts.series_other": {"ja": "その他", "en": "Other"},
    "conflicts.axis_companies": {"ja": "企業数", "en": "Companies"},
    "conflicts.table_title": {"ja": "重複企業 (上位{limit}社)", "en": "Companies in conflict (top {limit})"},
    "conflicts.col_company": {"ja": "企業", "en": "Company"},
    "conflicts.col_units": {"ja": "事業部", "en": "Units"},
    "conflicts.col_leads": {"ja": "リード (事業部別)", "en": "Leads by unit"},
    "conflicts.col_open_opportunities": {"ja": "進行中の商談 (事業部別)", "en": "Open opportunities by unit"},
    "conflicts.col_owners": {"ja": "担当者", "en": "Owners"},
    "conflicts.col_last_activity": {"ja": "最終活動", "en": "Last activity"},
    "conflicts.col_won_units": {"ja": "受注済みの事業部", "en": "Won by"},
    # Definition drift.
    "drift.title": {
        "ja": "MQL定義のずれ (CRM判定 vs 合意定義)",
        "en": "MQL definition drift (CRM flag vs agreed rule)",
    },
    "drift.subtitle": {
        "ja": "CRM/MAツール自身のMQL判定と、合意したMQL定義の不一致率 (月×事業部)。{warn}超で注意、{error}超でビルド失敗 (MQL {min_leads}件未満の月は判定しない)。",
        "en": "How often the CRM/MA tool's own MQL flag disagrees with the agreed definition (month × unit). Above {warn} warns, above {error} fails the build (months with fewer than {min_leads} MQLs are not judged).",
    },
    "drift.card_status": {"ja": "判定", "en": "Status"},
    "drift.card_agreement": {"ja": "一致率", "en": "Agreement"},
    "drift.card_warn": {"ja": "注意の月×事業部", "en": "Month × unit warning"},
    "drift.card_error": {"ja": "エラーの月×事業部", "en": "Month × unit failing"},
    "drift.status.ok": {"ja": "問題なし", "en": "OK"},
    "drift.status.warn": {"ja": "注意", "en": "Warning"},
    "drift.status.error": {"ja": "エラー", "en": "Error"},
    "drift.status.not_judged": {"ja": "判定対象外", "en": "Not judged"},
    "drift.callout.warn": {
        "ja": "不一致が注意水準を超えています: {slices}",
        "en": "Disagreement above the warning level: {slices}",
    },
    "drift.callout.error": {
        "ja": "不一致がエラー水準を超えています (ビルド失敗): {slices}",
        "en": "Disagreement above the error level (fails the build): {slices}",
    },
    "drift.axis_disagreement": {"ja": "不一致率", "en": "Disagreement"},
    "drift.line_warn": {"ja": "注意 {rate}", "en": "warn {rate}"},
    "drift.line_error": {"ja": "エラー {rate}", "en": "error {rate}"},
    "drift.col_month": {"ja": "月", "en": "Month"},
    "drift.col_unit": {"ja": "事業部", "en": "Unit"},
    "drift.col_leads": {"ja": "MQL (いずれか)", "en": "MQL (either)"},
    "drift.col_both": {"ja": "両方", "en": "Both"},
    "drift.col_crm_only": {"ja": "CRMのみ", "en": "CRM only"},
    "drift.col_agreed_only": {"ja": "合意定義のみ", "en": "Agreed only"},
    "drift.col_agreement": {"ja": "一致率", "en": "Agreement"},
    "drift.col_status": {"ja": "判定", "en": "Status"},
}


@dataclass(frozen=True)
class Texts:
    """The dictionary in one language."""

    lang: Lang

    def __call__(self, key: str, **values: Any) -> str:
        text = MESSAGES[key][self.lang]
        return text.format(**values) if values else text

    def label(self, kind: str, code: str | None) -> str:
        """The label of a data code (stage, team, channel, unit, ...), or the code itself."""
        if code is None:
            return "—"
        entry = MESSAGES.get(f"{kind}.{code}")
        return entry[self.lang] if entry else code

    def join(self, items: Iterable[str]) -> str:
        """A list in running text ("A、B" / "A, B")."""
        return self("list_separator").join(items)

    def page(self) -> dict[str, str]:
        """The texts the page's script needs."""
        return {key: entry[self.lang] for key, entry in MESSAGES.items() if key.startswith("page.")}
