{#- Participants withdrawn with `no_further_use`: excluded from every staging model (and so
    from every layer built on it). `no_further_contact` participants stay, flagged. -#}
{% macro withdrawn_no_further_use() -%}
    select
        referral_id,
        participant_pseudonym
    from {{ source('withdrawals', 'withdrawals') }}
    where withdrawal_option = 'no_further_use'
{%- endmacro %}

{#- Post-hook of every incremental model: a participant withdrawn since its last build leaves
    it now, as they leave the staging views, so an incremental build equals a full refresh
    even before the withdrawal step has purged the warehouse. -#}
{% macro remove_withdrawn(column) -%}
    delete from {{ this }}
    where {{ column }} in (
        select withdrawn.{{ column }} from ({{ withdrawn_no_further_use() }}) as withdrawn
    )
{%- endmacro %}
