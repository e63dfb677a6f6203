-- +goose Up
-- Each claim of an Idempotency-Key names the request that holds it, so that
-- the transaction carrying the request out marks it in the same commit and
-- a retry can take over a claim that carried nothing out (store/sqldb).
ALTER TABLE idempotency ADD COLUMN claim text NOT NULL DEFAULT '';

-- +goose Down
SELECT 'forward-only';
