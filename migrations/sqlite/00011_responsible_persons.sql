-- +goose Up
-- Responsible persons (责任人): who receives a warning for a region or a
-- hazard point in it, and must answer it. region is a GB/T 2260 code at
-- any level; warnings find their recipients by region prefix, so region
-- leads the index. superior is the person told when one does not answer.
CREATE TABLE responsible_persons (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    phone        text NOT NULL,
    region       text NOT NULL,
    duty         text NOT NULL,
    hazard_point text NOT NULL,
    superior     text NOT NULL,
    note         text NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX responsible_persons_region_idx ON responsible_persons (region, id);
CREATE INDEX responsible_persons_phone_idx ON responsible_persons (phone);
CREATE INDEX responsible_persons_superior_idx ON responsible_persons (superior) WHERE superior <> '';

-- +goose Down
SELECT 'forward-only';
