-- +goose Up
-- The coverage state of each county and capability (step 11): whether
-- its share is below the gap threshold, as last recorded by any node, so
-- that a coverage.gap or coverage.restored event is written once across
-- nodes, in the transaction that flips the state.
CREATE TABLE coverage_states (
    region     text NOT NULL,
    capability text NOT NULL,
    below      BOOLEAN NOT NULL,
    share      REAL NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (region, capability)
);

-- +goose Down
SELECT 'forward-only';
