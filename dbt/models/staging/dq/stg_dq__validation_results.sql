with

source as (
    select * from {{ source('dq', 'validation_results') }}
),

renamed as (
    select
        result_id,
        run_id,
        stage,
        suite,
        asset,
        expectation,
        expectation_type,
        category,
        severity,
        success as is_success,
        observed_value,
        unexpected_count,
        element_count,
        exception,
        exception is not null as is_error,
        validated_at
    from source
)

select * from renamed
