with

source as (
    select * from {{ source('dq', 'checkpoint_runs') }}
),

renamed as (
    select
        run_id,
        stage,
        started_at,
        finished_at,
        expectations,
        failed_critical,
        failed_warning,
        success as is_success,
        docs_index
    from source
)

select * from renamed
