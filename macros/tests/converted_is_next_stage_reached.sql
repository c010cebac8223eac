{#-
    Generic test for a stage-conversion mart (one row per cohort keys x stage, with next_stage,
    reached_count and converted_count): a stage's converted count is its next stage's reached count in
    the same cohort, since a lead converts from a stage exactly when it reaches the next one. Rows that
    disagree fail. Usage (model level):
        - converted_is_next_stage_reached: {arguments: {cohort_columns: [cohort_month, business_unit]}}
-#}
{% test converted_is_next_stage_reached(model, cohort_columns) %}
select current_stage.*
from {{ model }} as current_stage
inner join {{ model }} as next_stage
    on current_stage.next_stage = next_stage.stage
    {%- for column in cohort_columns %}
        and {{ null_safe_equal('current_stage.' ~ column, 'next_stage.' ~ column) }}
    {%- endfor %}
where current_stage.converted_count <> next_stage.reached_count
{% endtest %}
