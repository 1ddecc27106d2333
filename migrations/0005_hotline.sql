-- The 96128 hotline: SIP accounts of operators and liaisons, operator
-- states, calls with their legs, transfers, recordings and voicemails.

-- sip_accounts are the phones that may REGISTER (digest auth against ha1 =
-- MD5(extension:realm:password); the password itself is never stored) or
-- that are reached at a fixed contact URI (desk phones).
CREATE TABLE sip_accounts (
    id             bigserial PRIMARY KEY,
    extension      text NOT NULL UNIQUE CHECK (extension ~ '^[0-9]{3,8}$'),
    realm          text NOT NULL CHECK (realm <> ''),
    ha1            text NOT NULL CHECK (ha1 ~ '^[0-9a-f]{32}$'),
    account_id     bigint REFERENCES accounts(id) ON DELETE SET NULL,
    department_id  bigint REFERENCES departments(id),
    kind           text NOT NULL CHECK (kind IN ('operator', 'liaison')),
    contact_uri    text NOT NULL DEFAULT '',
    ring_order     integer NOT NULL DEFAULT 0,
    disabled       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'liaison' OR department_id IS NOT NULL)
);
CREATE INDEX sip_accounts_department ON sip_accounts (department_id) WHERE kind = 'liaison';
