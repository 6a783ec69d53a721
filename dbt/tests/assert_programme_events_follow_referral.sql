{{ config(severity="warn") }}

-- Singular test, a warning: GX checks result-after-referral as a critical expectation, and
-- a delivered breach must reach that gate rather than stop dbt. A participant's own
-- programme events (their sample delivered, their family's tiering and result for the
-- proband) come on or after their referral. Hospital
-- events may precede it (HES history); so may a family's result for a relative referred
-- after it, which is why result_reported is checked for probands only.
select
    timeline.referral_id,
    timeline.event_type,
    timeline.event_date,
    timeline.days_since_referral
from {{ ref('fct_participant_event') }} as timeline
inner join {{ ref('dim_participant') }} as participant
    on timeline.referral_id = participant.referral_id
where
    timeline.days_since_referral < 0
    and (
        timeline.event_type in ('sample_delivered', 'tiering')
        or (timeline.event_type = 'result_reported' and participant.is_proband)
    )
