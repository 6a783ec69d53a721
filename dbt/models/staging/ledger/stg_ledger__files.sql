with

source as (
    select * from {{ source('ledger', 'files') }}
),

renamed as (
    select
        file_id as ledger_file_id,
        delivery_id,
        feed,
        kind,
        path as file_path,
        sha256,
        size_bytes,
        status,
        rows_delivered,
        rows_loaded,
        rows_quarantined,
        rows_excluded,
        rows_withdrawn,
        quarantined_withdrawn,
        excluded_reason,
        duplicate_of as duplicate_of_ledger_file_id,
        started_at,
        finished_at,
        error
    from source
)

select * from renamed
