{#- Participants withdrawn with `no_further_use`: excluded from every staging model (and so
    from every layer built on it). `no_further_contact` participants stay, flagged. -#}
{% macro withdrawn_no_further_use() -%}
    select
        referral_id,
        participant_pseudonym
    from {{ source('withdrawals', 'withdrawals') }}
    where withdrawal_option = 'no_further_use'
{%- endmacro %}
