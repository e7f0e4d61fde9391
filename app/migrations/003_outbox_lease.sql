-- Outbox lease ownership (#13). A worker's lease (claimed_until) can expire while its post is still in flight; the
-- row may then be leased again by another worker, or re-targeted by rebalancing (#17: new engineer, new idempotency
-- key). Each claim stamps a fresh lease_token, and a result is recorded only while the row still carries that token
-- and the idempotency key that was posted: a stale worker's late answer can no longer mark a moved row as posted
-- (so the new engineer is told), dead-letter it, or overwrite the outcome of a newer lease.
ALTER TABLE assignments ADD COLUMN lease_token uuid;
