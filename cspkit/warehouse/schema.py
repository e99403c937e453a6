"""The warehouse schema.

Counts are stored long - one row per (file, area, source category, month) - with the
canonical offence beside the source category, so a figure can always be traced to
the line of the file it came from, and a changed mapping can be re-applied
(`cspkit remap`) without re-reading files.
"""

SCHEMA_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
CREATE TABLE IF NOT EXISTS files (
    file_id INTEGER PRIMARY KEY,
    path VARCHAR NOT NULL,          -- absolute path when ingested
    sha256 VARCHAR NOT NULL UNIQUE, -- content hash: the same bytes are never loaded twice
    size BIGINT NOT NULL,
    source VARCHAR NOT NULL,        -- reader family: mps_borough, population_series, census
    layout VARCHAR NOT NULL,
    release VARCHAR,                -- "most recent 24 months" / "historical" (crime files)
    first_month DATE,
    last_month DATE,
    vintage DATE,                   -- the last month a crime file covers
    n_rows INTEGER NOT NULL,        -- data rows in the file
    blank_cells INTEGER NOT NULL,   -- blank count cells read as 0
    ingested_at TIMESTAMP NOT NULL,
    cspkit_version VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS file_months (
    file_id INTEGER NOT NULL,
    month DATE NOT NULL
);
CREATE TABLE IF NOT EXISTS areas (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS crime_counts (
    file_id INTEGER NOT NULL,
    vintage DATE NOT NULL,
    area_code VARCHAR NOT NULL,
    area_name VARCHAR NOT NULL,     -- as the file spells it
    offence_id VARCHAR,             -- NULL = unmapped source category (kept, reported)
    major_text VARCHAR NOT NULL,
    minor_text VARCHAR NOT NULL,
    month DATE NOT NULL,
    count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS population (
    file_id INTEGER NOT NULL,
    series VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    area_name VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    population BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS census (
    file_id INTEGER NOT NULL,
    census_table VARCHAR NOT NULL,  -- ONS table id, e.g. TS007A, TS021
    geography_code VARCHAR NOT NULL,
    geography_name VARCHAR NOT NULL,
    category_code VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    count BIGINT NOT NULL
);
"""
