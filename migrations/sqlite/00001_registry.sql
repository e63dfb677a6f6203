-- +goose Up
-- Every change that is not a position is an event, written in the same
-- transaction. Ids are assigned max+1 inside the single writer's
-- transaction, so they appear in commit order with no gap a reader could skip.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY,
    ts      TIMESTAMP NOT NULL,
    type    text NOT NULL,
    actor   text NOT NULL,
    subject text NOT NULL,
    data    TEXT NOT NULL
);
CREATE INDEX events_subject_idx ON events (subject, id);

CREATE TABLE items (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    kind       text NOT NULL,
    unit       text NOT NULL,
    category   text NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE teams (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    kind         text NOT NULL,
    capabilities TEXT NOT NULL DEFAULT '[]',
    headcount    integer NOT NULL DEFAULT 0,
    leader_name  text NOT NULL DEFAULT '',
    leader_phone text NOT NULL DEFAULT '',
    duty_phone   text NOT NULL DEFAULT '',
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    address      text NOT NULL DEFAULT '',
    region       text NOT NULL DEFAULT '',
    equipment    TEXT NOT NULL DEFAULT '[]',
    status       text NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX teams_region_idx ON teams (region);


CREATE TABLE depots (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    tier          text NOT NULL,
    reserve       text NOT NULL,
    lon           REAL NOT NULL,
    lat           REAL NOT NULL,
    address       text NOT NULL DEFAULT '',
    manager_name  text NOT NULL DEFAULT '',
    manager_phone text NOT NULL DEFAULT '',
    region        text NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX depots_region_idx ON depots (region);

-- Stock never goes below zero and never below what is reserved, whatever
-- the code above does: the database refuses it too.
CREATE TABLE stock (
    depot_id   text NOT NULL REFERENCES depots (id),
    item_code  text NOT NULL REFERENCES items (code),
    on_hand    bigint NOT NULL CHECK (on_hand >= 0),
    reserved   bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (depot_id, item_code)
);
CREATE INDEX stock_item_idx ON stock (item_code);

CREATE TABLE stock_ledger (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    depot_id  text NOT NULL,
    item_code text NOT NULL,
    delta     bigint NOT NULL,
    on_hand   bigint NOT NULL,
    reserved  bigint NOT NULL,
    reason    text NOT NULL,
    actor     text NOT NULL,
    event_id  bigint NOT NULL,
    ts        TIMESTAMP NOT NULL
);
CREATE INDEX stock_ledger_depot_idx ON stock_ledger (depot_id, id);

CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL,
    team_id       text NOT NULL DEFAULT '',
    depots        TEXT NOT NULL DEFAULT '[]',
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- A retried POST with the same Idempotency-Key returns the first answer.
CREATE TABLE idempotency (
    actor      text NOT NULL,
    key        text NOT NULL,
    method     text NOT NULL,
    path       text NOT NULL,
    status     integer NOT NULL,
    body       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, key)
);

-- +goose Down
SELECT 'forward-only';
