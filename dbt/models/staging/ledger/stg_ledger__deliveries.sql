with

source as (
    select * from {{ source('ledger', 'deliveries') }}
),

renamed as (
    select
        delivery_id,
        feed,
        path as delivery_path,
        delivery_date,
        -- HES and ONS deaths arrive as monthly extracts dated by the month's last day; every
        -- other feed delivers a folder per night.
        feed in ('hes', 'mortality') as is_monthly_extract,
        gmc_code,
        first_seen_at
    from source
)

select * from renamed
