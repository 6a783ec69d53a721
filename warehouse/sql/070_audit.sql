-- Audit trail of consent withdrawals (governance.withdrawal.process_withdrawals).
-- One row per applied withdrawal: a participant moving from no_further_contact to
-- no_further_use gets two rows; the same withdrawal delivered twice is applied once
-- (unique referral_id + option), which is what makes process_withdrawals idempotent.
-- This table (with raw.withdrawals, the register the loaders consult to refuse a
-- re-delivery) is the only place a withdrawn participant's pseudonym remains; it holds no
-- NHS number, no date of birth and no clinical data. Readable by no role but the owner.
-- Idempotent: applied by warehouse.db.init_db.

create table if not exists audit.withdrawals (
    withdrawal_id         bigserial primary key,
    referral_id           text not null,
    participant_pseudonym text not null,
    withdrawal_date       date not null,
    withdrawal_option     text not null
    check (withdrawal_option in ('no_further_use', 'no_further_contact')),
    applied_at            timestamptz not null default now(),
    applied_by            text not null default current_user,
    rows_removed          bigint not null default 0,
    removed               jsonb not null default '{}'::jsonb,  -- {"raw.hes_apc": 12, ...}
    landing_files         jsonb not null default '[]'::jsonb,  -- [{"path", "action", ...}]
    unique (referral_id, withdrawal_option)
);
