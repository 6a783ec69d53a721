with

deliveries as (
    select
        delivery_id,
        feed,
        delivery_date,
        is_monthly_extract as is_monthly
    from {{ ref('stg_ledger__deliveries') }}
),

files as (
    select
        delivery_id,
        status,
        rows_delivered,
        rows_quarantined,
        finished_at
    from {{ ref('stg_ledger__files') }}
    where status <> 'duplicate'
),

latest_night as (
    select max(delivery_date) as night_date from deliveries
    where not is_monthly
),

last_delivery as (
    select
        feed,
        bool_or(is_monthly) as is_monthly,
        max(delivery_date) as last_delivery_date,
        count(*) as deliveries
    from deliveries
    group by feed
),

last_delivery_files as (
    select
        deliveries.feed,
        count(files.delivery_id) as files,
        count(files.delivery_id) filter (
            where files.status in ('quarantined', 'refused', 'failed', 'missing')
        ) as files_rejected,
        coalesce(sum(files.rows_delivered), 0) as rows_delivered,
        coalesce(sum(files.rows_quarantined), 0) as rows_quarantined,
        max(files.finished_at) as last_loaded_at
    from deliveries
    inner join last_delivery
        on
            deliveries.feed = last_delivery.feed
            and deliveries.delivery_date = last_delivery.last_delivery_date
    left join files on deliveries.delivery_id = files.delivery_id
    group by deliveries.feed
)

select
    last_delivery.feed,
    case when last_delivery.is_monthly then 'monthly extract' else 'per night' end as cadence,
    latest_night.night_date,
    last_delivery.last_delivery_date,
    {{ disclosure_control('last_delivery.deliveries') }} as deliveries,
    case
        when last_delivery.is_monthly
            then greatest(
                    0,
                    (
                        date_trunc('month', latest_night.night_date)::date
                        - date_trunc('month', last_delivery.last_delivery_date)::date
                    )
                )
        else latest_night.night_date - last_delivery.last_delivery_date
    end as days_behind_night,
    case
        when last_delivery.is_monthly
            then date_trunc('month', last_delivery.last_delivery_date)
                >= date_trunc('month', latest_night.night_date)
        else last_delivery.last_delivery_date >= latest_night.night_date
    end as is_current,
    {{ disclosure_control('last_delivery_files.files') }} as files_in_last_delivery,
    {{ disclosure_control('last_delivery_files.files_rejected') }} as files_rejected,
    {{ disclosure_control('last_delivery_files.rows_delivered') }} as rows_delivered,
    {{ disclosure_control('last_delivery_files.rows_quarantined') }} as rows_quarantined,
    last_delivery_files.last_loaded_at
from last_delivery
cross join latest_night
left join last_delivery_files on last_delivery.feed = last_delivery_files.feed
