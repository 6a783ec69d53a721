-- Singular test: in every participant's timeline, the programme's own events (sample
-- delivered, tiering, result reported) come on or after the referral. Hospital events may
-- precede it (HES history), programme events may not.
select
    referral_id,
    event_type,
    event_date,
    days_since_referral
from {{ ref('participant_timeline') }}
where
    event_type in ('sample_delivered', 'tiering', 'result_reported')
    and days_since_referral < 0
