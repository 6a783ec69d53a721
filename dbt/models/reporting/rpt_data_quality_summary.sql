with

files as (
    select
        feed,
        kind,
        status,
        rows_delivered,
        rows_loaded,
        rows_quarantined,
        rows_excluded,
        finished_at
    from {{ ref('stg_ledger__files') }}
    where status <> 'duplicate'
),

counted as (
    select
        feed,
        kind,
        count(*) as files,
        count(*) filter (where status in ('quarantined', 'refused')) as files_rejected,
        sum(rows_delivered) as rows_delivered,
        sum(rows_loaded) as rows_loaded,
        sum(rows_quarantined) as rows_quarantined,
        sum(rows_excluded) as rows_excluded,
        max(finished_at) as last_loaded_at
    from files
    group by feed, kind
)

select
    feed,
    kind,
    {{ disclosure_control('files') }} as files,
    {{ disclosure_control('files_rejected') }} as files_rejected,
    {{ disclosure_control('rows_delivered') }} as rows_delivered,
    {{ disclosure_control('rows_loaded') }} as rows_loaded,
    {{ disclosure_control('rows_quarantined') }} as rows_quarantined,
    {{ disclosure_control('rows_excluded') }} as rows_excluded,
    round(100 * {{ publishable_rate('rows_quarantined', 'rows_delivered') }}, 2)
        as quarantine_rate_pct,
    last_loaded_at
from counted
