with

deliveries as (
    select
        delivery_id,
        feed,
        delivery_date
    from {{ ref('stg_ledger__deliveries') }}
    where not is_monthly_extract
),

files as (
    select * from {{ ref('stg_ledger__files') }}
),

night as (
    select max(delivery_date) as night_date from deliveries
),

night_files as (
    select
        count(*) as files,
        count(*) filter (
            where ledger_file.status in ('quarantined', 'refused', 'failed', 'missing')
        ) as files_rejected,
        coalesce(sum(ledger_file.rows_delivered), 0) as rows_delivered,
        coalesce(sum(ledger_file.rows_quarantined), 0) as rows_quarantined,
        max(ledger_file.finished_at) as last_loaded_at
    from files as ledger_file
    inner join deliveries on ledger_file.delivery_id = deliveries.delivery_id
    cross join night
    where deliveries.delivery_date = night.night_date and ledger_file.status <> 'duplicate'
),

nights as (
    select count(distinct delivery_date) as nights_loaded from deliveries
)

select
    night.night_date as last_successful_night,
    nights.nights_loaded,
    {{ disclosure_control('night_files.files') }} as files_last_night,
    {{ disclosure_control('night_files.files_rejected') }} as files_rejected_last_night,
    {{ disclosure_control('night_files.rows_delivered') }} as rows_delivered_last_night,
    {{ disclosure_control('night_files.rows_quarantined') }} as rows_quarantined_last_night,
    night_files.last_loaded_at,
    now() as reporting_built_at
from night
cross join nights
cross join night_files
