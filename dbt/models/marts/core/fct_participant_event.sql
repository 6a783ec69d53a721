{{
    config(
        materialized='incremental',
        unique_key='referral_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[{'columns': ['referral_id', 'event_sequence'], 'unique': True}],
        post_hook=["{{ remove_withdrawn('referral_id') }}", "{{ advance_watermark() }}"],
    )
}}
-- depends_on: {{ ref('stg_ledger__files') }}
-- depends_on: {{ ref('int_hes__admission_spells') }}
-- depends_on: {{ ref('int_hes__op_appointments') }}
-- depends_on: {{ ref('int_hes__ae_attendances') }}
-- depends_on: {{ ref('stg_mortality__deaths') }}
with

all_participants as (
    select * from {{ ref('stg_referrals__participants') }}
),

{% if is_incremental() %}
    -- a participant's timeline is rebuilt whole when anything on it changed since the last
    -- build: their referral, samples, family result, hospital records, death or tiering
    changed_pseudonyms as (
        select spells.participant_pseudonym
        from {{ ref('int_hes__admission_spells') }} as spells
        where spells.content_ledger_file_id > {{ incremental_watermark() }}
        union
        select appointments.participant_pseudonym
        from {{ ref('int_hes__op_appointments') }} as appointments
        where appointments.content_ledger_file_id > {{ incremental_watermark() }}
        union
        select attendances.participant_pseudonym
        from {{ ref('int_hes__ae_attendances') }} as attendances
        where attendances.content_ledger_file_id > {{ incremental_watermark() }}
        union
        select deaths.participant_pseudonym
        from {{ ref('stg_mortality__deaths') }} as deaths
        where deaths.ledger_file_id > {{ incremental_watermark() }}
    ),

    changed_families as (
        select exits.family_id
        from {{ ref('stg_results__exit_questionnaires') }} as exits
        where exits.ledger_file_id > {{ incremental_watermark() }}
        union
        -- a family result that has gone (its proband withdrew) leaves every member's timeline
        (
            select built.source_key as family_id
            from {{ this }} as built
            where built.event_type = 'result_reported'
            except
            select exits.family_id
            from {{ ref('stg_results__exit_questionnaires') }} as exits
        )
        union
        select tiered.family_id
        from {{ ref('int_variants__highest_tier') }} as tiered
        where tiered.tiered_date >= (
                select coalesce(max(built.event_date), '1900-01-01')
                from {{ this }} as built
                where built.event_type = 'tiering'
            )
    ),

    participants as (
        select * from all_participants
        where
            ledger_file_id > {{ incremental_watermark() }}
            or participant_pseudonym in (
                select changed_pseudonyms.participant_pseudonym from changed_pseudonyms
            )
            or family_id in (select changed_families.family_id from changed_families)
            or referral_id in (
                select samples.referral_id
                from {{ ref('stg_sequencing__manifest') }} as samples
                where samples.ledger_file_id > {{ incremental_watermark() }}
            )
    ),
{% else %}
    participants as (
        select * from all_participants
    ),
{% endif %}

results as (
    select
        family_id,
        result_date,
        case_solved
    from {{ ref('stg_results__exit_questionnaires') }}
    where family_id in (select participants.family_id from participants)
),

manifest as (
    select * from {{ ref('stg_sequencing__manifest') }}
    where referral_id in (select participants.referral_id from participants)
),

highest_tiers as (
    select * from {{ ref('int_variants__highest_tier') }}
    where proband_referral_id in (select participants.referral_id from participants)
),

admission_spells as (
    select * from {{ ref('fct_admission_spell') }}
    where referral_id in (select participants.referral_id from participants)
),

outpatient_appointments as (
    select * from {{ ref('fct_outpatient_appointment') }}
    where referral_id in (select participants.referral_id from participants)
),

ae_attendances as (
    select * from {{ ref('fct_ae_attendance') }}
    where referral_id in (select participants.referral_id from participants)
),

deaths as (
    select * from {{ ref('fct_death') }}
    where referral_id in (select participants.referral_id from participants)
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
