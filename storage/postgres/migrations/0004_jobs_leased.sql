-- Leased jobs, so the earliest moment a lease runs out is found without a
-- scan (NextJobAt).
CREATE INDEX jobs_leased ON jobs(lease_until) WHERE state = 'pending' AND lease_until > 0;
