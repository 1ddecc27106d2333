-- The hotline's call control for the consoles: hold, attended transfers
-- with their steps, three-way calls, departments whose liaisons ring all at
-- once, and liaisons who are away.

-- ring_strategy is how a transfer rings a department's liaisons: one after
-- another in ring order, or all at once (the first to answer takes the
-- call, the others' phones stop ringing).
ALTER TABLE departments ADD COLUMN ring_strategy text NOT NULL DEFAULT 'order'
    CHECK (ring_strategy IN ('order', 'all'));

-- away marks a liaison's phone that transfers skip (the liaison said they
-- cannot take calls now).
ALTER TABLE sip_accounts ADD COLUMN away boolean NOT NULL DEFAULT false;

-- An attended transfer (method 'attended') puts the caller on hold while the
-- operator talks with the liaison; it ends completed (the caller is left
-- with the liaison), cancelled (back to the operator), refused (the phones
-- declined), timeout (nobody answered) or threeway (a three-way call that
-- ended before the operator left it). answered_at is when the liaison
-- answered, threeway_at when the three-way call began.
ALTER TABLE call_transfers DROP CONSTRAINT call_transfers_method_check,
    ADD CONSTRAINT call_transfers_method_check CHECK (method IN ('refer', 'api', 'attended'));
ALTER TABLE call_transfers DROP CONSTRAINT call_transfers_result_check,
    ADD CONSTRAINT call_transfers_result_check CHECK (result IN
        ('pending', 'answered', 'no_answer', 'out_of_hours', 'no_liaison', 'failed', 'caller_hung_up',
         'completed', 'cancelled', 'refused', 'timeout', 'threeway'));
ALTER TABLE call_transfers ADD COLUMN threeway_at timestamptz;
ALTER TABLE call_transfers ADD COLUMN ring_strategy text NOT NULL DEFAULT 'order'
    CHECK (ring_strategy IN ('order', 'all'));

-- transfer_id is the transfer a liaison's leg was placed for (ringing all
-- places several legs for one transfer); ended_by 'console' is a leg hung
-- up from a staff console.
ALTER TABLE call_legs ADD COLUMN transfer_id bigint REFERENCES call_transfers(id) ON DELETE SET NULL;
ALTER TABLE call_legs DROP CONSTRAINT call_legs_ended_by_check,
    ADD CONSTRAINT call_legs_ended_by_check CHECK (ended_by IN ('', 'caller', 'party', 'system', 'transfer', 'console'));
CREATE INDEX call_legs_transfer ON call_legs (transfer_id) WHERE transfer_id IS NOT NULL;

-- call_holds are the times a staff member put the caller on hold (music).
CREATE TABLE call_holds (
    id          bigserial PRIMARY KEY,
    call_id     bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    leg_id      bigint REFERENCES call_legs(id) ON DELETE SET NULL,
    account_id  bigint REFERENCES accounts(id) ON DELETE SET NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX call_holds_call ON call_holds (call_id, started_at);
