-- +goose Up
-- The population layer of coverage (step 11): the population of places
-- (village or township centres), which weighs the grid's cells. Points,
-- not cell weights, are kept, since the grid follows the outlines and the
-- cell size. An import replaces every point.
CREATE TABLE coverage_population (
    seq        integer NOT NULL PRIMARY KEY,
    lon        REAL NOT NULL,
    lat        REAL NOT NULL,
    population REAL NOT NULL
);

-- The layer's one row: when it was last replaced and with how many
-- points. An import locks it first, so that two imports at once do not
-- mix their points.
CREATE TABLE coverage_population_layer (
    id          integer NOT NULL PRIMARY KEY,
    points      integer NOT NULL,
    imported_at TIMESTAMP
);
INSERT INTO coverage_population_layer (id, points) VALUES (1, 0);

-- +goose Down
SELECT 'forward-only';
