-- +goose Up
-- Warnings (预警) and call-and-answer (叫应). A warning is kept whole as a
-- JSON document (its CAP 1.2 alert and the resolved regions), with the
-- columns lists filter on beside it. identifier is CAP's, unique per
-- sender; an update or cancel names the warning it replaces.
CREATE TABLE warnings (
    id          text PRIMARY KEY,
    sender      text NOT NULL,
    identifier  text NOT NULL,
    msg_type    text NOT NULL,
    state       text NOT NULL,
    level       text NOT NULL,
    replaces    text NOT NULL,
    regions     text NOT NULL,
    expires_at  timestamptz,
    created_at  timestamptz NOT NULL,
    doc         jsonb NOT NULL
);
CREATE UNIQUE INDEX warnings_identifier_idx ON warnings (sender, identifier);
CREATE INDEX warnings_created_idx ON warnings (created_at, id);

-- One row per person a warning reaches, and per "not answered" notice to a
-- superior (kind notice, about the recipient who did not answer). The
-- person's name, phone, region and superior are copied when the warning is
-- issued: the list is what was sent, whatever the registry says later.
-- deadline is when an unanswered recipient is escalated; answer_s the
-- seconds from the call to the answer.
CREATE TABLE warning_recipients (
    id           text PRIMARY KEY,
    warning_id   text NOT NULL REFERENCES warnings (id),
    person_id    text NOT NULL,
    name         text NOT NULL,
    phone        text NOT NULL,
    region       text NOT NULL,
    duty         text NOT NULL,
    superior     text NOT NULL,
    kind         text NOT NULL,
    about        text NOT NULL,
    state        text NOT NULL,
    deadline     timestamptz NOT NULL,
    sent_at      timestamptz,
    delivered_at timestamptz,
    answered_at  timestamptz,
    answered_via text NOT NULL,
    escalated_at timestamptz,
    resent       integer NOT NULL,
    answer_s     double precision NOT NULL,
    error        text NOT NULL
);
CREATE INDEX warning_recipients_warning_idx ON warning_recipients (warning_id, region, id);
CREATE INDEX warning_recipients_phone_idx ON warning_recipients (phone, state);
-- What the escalator scans: the unanswered whose deadline passed.
CREATE INDEX warning_recipients_due_idx ON warning_recipients (deadline) WHERE escalated_at IS NULL AND answered_at IS NULL;

-- The outbox: one row per message to send, written in the transaction of
-- what caused it; one sender drains it. body may hold {link}, which the
-- sender replaces with a fresh one-tap link when it sends, so that no
-- answer code is ever stored in plain text. subject is the recipient or
-- task the message is about.
CREATE TABLE outbox (
    id          text PRIMARY KEY,
    channel     text NOT NULL,
    recipient   text NOT NULL,
    body        text NOT NULL,
    subject     text NOT NULL,
    kind        text NOT NULL,
    state       text NOT NULL,
    attempts    integer NOT NULL,
    next_at     timestamptz NOT NULL,
    gateway_id  text NOT NULL,
    last_error  text NOT NULL,
    link_expires timestamptz,
    created_at  timestamptz NOT NULL,
    sent_at     timestamptz,
    final_at    timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (channel, next_at, id) WHERE state = 'pending';
CREATE INDEX outbox_gateway_idx ON outbox (gateway_id) WHERE gateway_id <> '';
CREATE INDEX outbox_subject_idx ON outbox (subject);

-- One-tap answer codes (/a/{code}): only the SHA-256 of a code is kept.
-- subject is a warning recipient's id (kind recipient) or a task's (kind
-- task).
CREATE TABLE answer_codes (
    hash       bytea PRIMARY KEY,
    kind       text NOT NULL,
    subject    text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX answer_codes_subject_idx ON answer_codes (subject);

-- Leases: what exactly one node does at a time (the outbox sender), held
-- by holder until expires_at and renewed while it runs.
CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- +goose Down
SELECT 'forward-only';
