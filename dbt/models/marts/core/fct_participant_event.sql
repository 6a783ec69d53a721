with

participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

results as (
    select
        family_id,
        result_date,
        case_solved
    from {{ ref('stg_results__exit_questionnaires') }}
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
),

highest_tiers as (
    select * from {{ ref('int_variants__highest_tier') }}
),

admission_spells as (
    select * from {{ ref('fct_admission_spell') }}
),

outpatient_appointments as (
    select * from {{ ref('fct_outpatient_appointment') }}
),

ae_attendances as (
    select * from {{ ref('fct_ae_attendance') }}
),

deaths as (
    select * from {{ ref('fct_death') }}
),

samples as (
    select distinct
        referral_id,
        platekey,
        sample_type,
        sequencing_delivery_date
    from manifest
),

events as (
    select
        referral_id,
        referral_date as event_date,
        'referral' as event_type,
        specific_disease as event_detail,
        referral_id as source_key
    from participants

    union all

    select
        referral_id,
        sequencing_delivery_date as event_date,
        'sample_delivered' as event_type,
        sample_type || ' ' || platekey as event_detail,
        platekey as source_key
    from samples

    union all

    select
        proband_referral_id as referral_id,
        tiered_date as event_date,
        'tiering' as event_type,
        'tier ' || min(tier)::text || ' best; ' || count(*)::text || ' variants' as event_detail,
        family_id || ':' || tiered_date::text as source_key
    from highest_tiers
    group by proband_referral_id, family_id, tiered_date

    union all

    select
        participants.referral_id,
        results.result_date as event_date,
        'result_reported' as event_type,
        'case solved: ' || results.case_solved as event_detail,
        results.family_id as source_key
    from results
    inner join participants on results.family_id = participants.family_id

    union all

    select
        referral_id,
        admission_date as event_date,
        'admission' as event_type,
        case when is_emergency then 'emergency' else 'non-emergency' end
        || coalesce(' ' || primary_diagnosis_code, '') as event_detail,
        spell_key as source_key
    from admission_spells

    union all

    select
        referral_id,
        appointment_date as event_date,
        'outpatient_appointment' as event_type,
        coalesce(treatment_specialty_code, '') as event_detail,
        appointment_key as source_key
    from outpatient_appointments

    union all

    select
        referral_id,
        arrival_date as event_date,
        'ae_attendance' as event_type,
        coalesce(primary_diagnosis_code, '') as event_detail,
        attendance_key as source_key
    from ae_attendances

    union all

    select
        referral_id,
        date_of_death as event_date,
        'death' as event_type,
        coalesce(underlying_cause_code, '') as event_detail,
        referral_id as source_key
    from deaths
)

select
    events.referral_id,
    row_number() over (
        partition by events.referral_id
        order by
            events.event_date,
            case events.event_type
                when 'referral' then 1 when 'sample_delivered' then 2 when 'tiering' then 3
                when 'result_reported' then 4 when 'death' then 9 else 5
            end,
            events.source_key
    ) as event_sequence,
    events.event_date,
    events.event_type,
    events.event_detail,
    events.source_key,
    events.event_date - participants.referral_date as days_since_referral,
    events.event_date - results.result_date as days_since_result
from events
inner join participants on events.referral_id = participants.referral_id
left join results on participants.family_id = results.family_id
where events.event_date is not null
