"""The warehouse schema.

Counts are stored long - one row per (file, area, source category, month), split
into the file's rows (``crime_rows``: area and category, once per row) and their
monthly counts (``crime_counts``), joined back by the ``crime_monthly`` view. The
split keeps loads fast (no repeated strings) and the canonical offence sits beside
the source category, so a figure can always be traced to
the line of the file it came from, and a changed mapping can be re-applied
(`cspkit remap`) without re-reading files.

MPS ward files are stored the same way in tables of their own (``ward_rows``,
``ward_counts``, view ``ward_monthly``), never in ``crime_rows``/``crime_counts``: the
MPS cannot place every crime in a ward, so ward counts must never be summed into
borough figures, and keeping them apart makes that impossible by construction.

The MPS Monthly Crime Dashboard data is long already and is stored as it comes
(``dashboard_counts``): its offence subgroups (knife crime, gun crime, domestic abuse)
are not in the offence taxonomy, and its rows carry their own area codes.

data.police.uk records are stored one row per record, as published, in tables of their
own (``street_crimes``, ``crime_outcomes``, ``stop_searches``), each with its file and
line. They are not counts and never mix with the MPS tables. A (force, month) is held
from one file per kind (and, for stop and search, per source: archive CSV or API JSON):
loading another file for it replaces the earlier one (see
:mod:`cspkit.warehouse.police_load`).
"""

SCHEMA_VERSION = "6"  # 6: data.police.uk (street_crimes, crime_outcomes, stop_searches)

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
    source VARCHAR NOT NULL,        -- reader: mps_borough, mps_ward, mps_dashboard,
                                    -- population_series, census, lookup, police_uk
    layout VARCHAR NOT NULL,
    release VARCHAR,                -- "most recent 24 months" / "historical" (crime files)
    first_month DATE,
    last_month DATE,
    vintage DATE,                   -- the release: last month of its 24-month file
                                    -- (dashboard data: month of its latest Refresh Date)
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
CREATE TABLE IF NOT EXISTS crime_rows (
    file_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,        -- the data row of the file, 0-based
    line INTEGER NOT NULL,          -- the line of the file it came from
    area_code VARCHAR NOT NULL,     -- GSS code (or MPS-... for police pseudo-areas)
    area_name VARCHAR NOT NULL,     -- as the file spells it
    major_text VARCHAR NOT NULL,
    minor_text VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS crime_counts (
    file_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,
    month DATE NOT NULL,
    offence_id VARCHAR,             -- NULL = unmapped source category (kept, reported)
    count INTEGER NOT NULL
);
-- The long form every product reads: one row per file, area, source category, month.
CREATE OR REPLACE VIEW crime_monthly AS
SELECT c.file_id, f.vintage, r.area_code, r.area_name, c.offence_id,
       r.major_text, r.minor_text, c.month, c.count, r.line
FROM crime_counts c
JOIN crime_rows r USING (file_id, row_id)
JOIN files f USING (file_id);
-- MPS ward files: kept apart from the borough tables, never summed into borough figures.
CREATE TABLE IF NOT EXISTS ward_rows (
    file_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,        -- the data row of the file, 0-based
    line INTEGER NOT NULL,          -- the line of the file it came from
    ward_code VARCHAR NOT NULL,     -- GSS ward code (E05...), as the file gives it
    ward_name VARCHAR NOT NULL,
    borough_code VARCHAR NOT NULL,  -- GSS code (or MPS-... for police pseudo-areas)
    borough_name VARCHAR NOT NULL,  -- as the file spells it (LookUp_BoroughName)
    major_text VARCHAR NOT NULL,
    minor_text VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ward_counts (
    file_id INTEGER NOT NULL,
    row_id INTEGER NOT NULL,
    month DATE NOT NULL,
    offence_id VARCHAR,             -- NULL = unmapped source category (kept, reported)
    count INTEGER NOT NULL
);
CREATE OR REPLACE VIEW ward_monthly AS
SELECT c.file_id, f.vintage, r.ward_code, r.ward_name, r.borough_code, r.borough_name,
       c.offence_id, r.major_text, r.minor_text, c.month, c.count, r.line
FROM ward_counts c
JOIN ward_rows r USING (file_id, row_id)
JOIN files f USING (file_id);
-- ONS best-fit lookup: each LSOA 2021 to its ward (2025 codes) and local authority.
CREATE TABLE IF NOT EXISTS lsoa_ward_lookup (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    lsoa_code VARCHAR NOT NULL,     -- LSOA21CD
    lsoa_name VARCHAR NOT NULL,
    ward_code VARCHAR NOT NULL,     -- WD25CD
    ward_name VARCHAR NOT NULL,
    lad_code VARCHAR NOT NULL,      -- LAD25CD
    lad_name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS population (
    file_id INTEGER NOT NULL,
    series VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL,
    area_name VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    population BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS dashboard_counts (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,          -- the line of the file it came from
    month DATE NOT NULL,
    area_type VARCHAR NOT NULL,     -- as the file spells it: Borough, Safer Neighbourhood Teams
    borough_snt VARCHAR NOT NULL,   -- the file's Borough_SNT ('' when blank)
    area_code VARCHAR NOT NULL,     -- as the file gives it (GSS code for boroughs)
    area_name VARCHAR NOT NULL,
    offence_group VARCHAR NOT NULL,
    offence_subgroup VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,       -- Offences, Positive Outcomes
    count BIGINT NOT NULL,
    refresh_date DATE               -- the row's Refresh Date (NULL when blank)
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
-- data.police.uk street-level crime: one row per record of the archive's street files.
CREATE TABLE IF NOT EXISTS street_crimes (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,          -- the line of the file it came from
    force VARCHAR NOT NULL,         -- data.police.uk slug: metropolitan, city-of-london, ...
    month DATE NOT NULL,
    crime_id VARCHAR,               -- NULL for anti-social behaviour (it has none)
    reported_by VARCHAR,
    falls_within VARCHAR,
    longitude DOUBLE,               -- WGS84 snap point; NULL when the record has no location
    latitude DOUBLE,
    location VARCHAR,
    lsoa_code VARCHAR,              -- NULL when the record has no location
    lsoa_name VARCHAR,
    crime_type VARCHAR NOT NULL,
    last_outcome VARCHAR,           -- "Last outcome category"
    context VARCHAR,
    is_asb BOOLEAN NOT NULL         -- anti-social behaviour (no Crime ID): not a crime
);
-- data.police.uk outcomes: one row per outcome record, joined to crimes by crime_id.
CREATE TABLE IF NOT EXISTS crime_outcomes (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    force VARCHAR NOT NULL,
    month DATE NOT NULL,            -- the month the outcome was recorded
    crime_id VARCHAR NOT NULL,
    reported_by VARCHAR,
    falls_within VARCHAR,
    longitude DOUBLE,
    latitude DOUBLE,
    location VARCHAR,
    lsoa_code VARCHAR,
    lsoa_name VARCHAR,
    outcome_type VARCHAR NOT NULL
);
-- data.police.uk stop and search, from the archive CSVs or the API's JSON.
CREATE TABLE IF NOT EXISTS stop_searches (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,          -- CSV: the line of the file; API JSON: the list index (0-based)
    force VARCHAR NOT NULL,
    month DATE NOT NULL,            -- the month of the file (archive month or API date)
    source_kind VARCHAR NOT NULL,   -- 'csv' (monthly archive) or 'api' (stops-force JSON)
    type VARCHAR NOT NULL,          -- Person search, Vehicle search, Person and Vehicle search
    datetime TIMESTAMP NOT NULL,    -- UTC, as published
    part_of_operation BOOLEAN,
    operation VARCHAR,
    latitude DOUBLE,                -- WGS84; NULL when the record has no location
    longitude DOUBLE,
    gender VARCHAR,
    age_range VARCHAR,
    self_defined_ethnicity VARCHAR,
    officer_defined_ethnicity VARCHAR,
    legislation VARCHAR,
    object_of_search VARCHAR,
    outcome VARCHAR,
    outcome_linked_to_object BOOLEAN,
    removal_of_more_than_outer_clothing BOOLEAN
);
"""
