"""The partner KPIs and the Forward Plan (cspkit/web/demo_data/barnet_kpis_2023_24.yaml) checked
against the board papers they were transcribed from.

The papers are plain text in the shared ``reference`` folder. These tests read them independently:
every figure is found again in the papers (by the sentence that prints it and near its
indicator's key words), the values read by hand are written out below and compared, and the
Forward Plan is parsed from the board pack and compared item by item. No database is needed.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_DATA = REPO / "cspkit" / "web" / "demo_data"
KPI_FILE = DEMO_DATA / "barnet_kpis_2023_24.yaml"
PLAN_FILE = DEMO_DATA / "barnet_2023_24.yaml"
if os.environ.get("CSPKIT_SHARED_DATA"):
    REFERENCE = Path(os.environ["CSPKIT_SHARED_DATA"]).parent / "reference"
else:  # tests/web/<this file> -> parents[3] is the folder holding the repository and shared/
    REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
BOARD_PACK = "001_929e170fd4e1a35d.txt"  # the Safer Communities Partnership Board, 1 March 2024

KINDS = {
    "police", "council", "probation", "health", "housing", "fire", "voluntary", "partnership",
    "education", "other",
}  # fmt: skip
MEASURES = {"count", "rate", "percentage"}
POLARITIES = {"higher", "lower"}
FREQUENCIES = {"monthly", "quarterly", "annual"}
TARGET_KINDS = {"per_period", "cumulative", "annual"}
DECISIONS = {"Non-Key", "Key", "Urgent", ""}
INDICATOR_KEYS = {
    "code", "name", "owner", "unit", "measure", "polarity", "frequency", "sensitive", "baseline",
    "target", "tolerance_percent", "definition", "source", "objectives", "returns",
}  # fmt: skip
YEAR = r"(\d{4})/(\d{2})"
PERIOD = {
    "quarterly": re.compile(rf"^{YEAR} Q([1-4])$"),
    "annual": re.compile(rf"^{YEAR}$"),
    "monthly": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
NEAR = 12  # lines: how close a figure must be to its indicator's key words

# The figures as read by hand from the board pack: code -> (key words, {period: value}).
# Line numbers are lines of 001_929e170fd4e1a35d.txt.
EXPECTED = {
    # Victim Hub report 3.11, line 738 (Q1 18, Q2 21, Q3 25); target 72 by Q3, line 736
    "victim_hub_referrals": (
        "Victim Care Hub",
        {"2023/24 Q1": 18, "2023/24 Q2": 21, "2023/24 Q3": 25},
    ),
    # line 738: 100% (Q1), 71% (n=15) (Q2), 32% (n=8) (Q3); line 882: 32%
    "victim_hub_vcop_information": (
        "Victims Code of Practice",
        {"2023/24 Q1": 100, "2023/24 Q2": 71, "2023/24 Q3": 32},
    ),
    # 4.23, line 893: Q1 66% (n=12/18), "increased to 71% in Q2"
    "victim_hub_rj_follow_up": ("Restorative Justice", {"2023/24 Q1": 66, "2023/24 Q2": 71}),
    # 4.26, line 896: "Fifteen ... in Q2 2023/24"; 4.19, line 875: "a further 22" in Q3
    "rj_police_officers_trained": ("officers", {"2023/24 Q2": 15, "2023/24 Q3": 22}),
    # RJ outcome table, lines 834-835: NW London Q1 66%, Q2 63%
    "victim_satisfaction_nw_london": (
        "victim satisfaction",
        {"2023/24 Q1": 66, "2023/24 Q2": 63},
    ),
    # 4.7, line 838: Barnet 75% in Q2 2023/24
    "victim_satisfaction_barnet": ("satisfaction", {"2023/24 Q2": 75}),
    # Victim Support, line 3286: 4,483 referrals April-December 2023 (YTD, line 3433)
    "lvws_referrals_barnet_ytd": ("referrals", {"2023/24 Q3": 4483}),
    # Barnet Homes, line 3105: target 5, current position 4.5
    "barnet_homes_asb_cases_per_1000": ("ASB Cases per 1000", {"2023/24": 4.5}),
    # line 3106: target 1, current position 0
    "barnet_homes_race_hate_cases_per_1000": ("Race hate cases per 1000", {"2023/24": 0}),
    # line 3109: 790 approaches in 22/23
    "barnet_homes_da_one_stop_shop_approaches": ("One Stop Shop", {"2022/23": 790}),
    # line 3112: 36 referrals to the scheme in 2022/23
    "barnet_homes_sanctuary_scheme_referrals": ("Sanctuary Scheme", {"2022/23": 36}),
    # minutes, line 251: 408 incidents April-September 2023
    "cctv_incidents_ytd": ("CCTV", {"2023/24 Q2": 408}),
    # minutes, line 237: 358 Fixed Penalty Notices in the 6 months to September 2023
    "cst_fixed_penalty_notices_ytd": ("Fixed Penalty Notices", {"2023/24 Q2": 358}),
    # minutes, line 177: 15 over Q4 (25 in the same quarter of the previous year)
    "prevent_referrals": ("Prevent referrals", {"2022/23 Q4": 15}),
    # BSAB annual report, line 3938: 1,598 (2022-23), 1,464 (2021-22)
    "adult_safeguarding_concerns": (
        "Safeguarding Concerns",
        {"2021/22": 1464, "2022/23": 1598},
    ),
    # line 3939: 749, 318
    "adult_safeguarding_s42_enquiries": ("S42", {"2021/22": 318, "2022/23": 749}),
    # line 3940: 76, 11
    "adult_safeguarding_other_enquiries": (
        "Other Safeguarding Enquiries",
        {"2021/22": 11, "2022/23": 76},
    ),
    # line 3928: 1,395, 1,265
    "adult_safeguarding_concerns_individuals": (
        "individuals",
        {"2021/22": 1265, "2022/23": 1395},
    ),
    # line 3930: 718, 303
    "adult_safeguarding_s42_individuals": ("Section 42", {"2021/22": 303, "2022/23": 718}),
    # line 3932: 73, 11
    "adult_safeguarding_other_enquiries_individuals": (
        "individuals",
        {"2021/22": 11, "2022/23": 73},
    ),
    # line 3921 and 4019: 89.8% (2022-23), 87.8% (2021-22)
    "adult_safeguarding_outcomes_achieved": (
        "outcomes",
        {"2021/22": 87.8, "2022/23": 89.8},
    ),
}

# Each figure again, found by the sentence that prints it: (code, period, pattern); the
# pattern's first group is the figure. Independent of the line numbers above.
FIGURES = [
    ("victim_hub_referrals", "2023/24 Q1", r"(\d+) referrals were made in Q1 2023/24"),
    ("victim_hub_referrals", "2023/24 Q2", r"In Q2, there were (\d+) referrals"),
    ("victim_hub_referrals", "2023/24 Q3", r"In Q3, there were (\d+) referrals"),
    (
        "victim_hub_vcop_information",
        "2023/24 Q1",
        r"of which (\d+)% of referred victims were provided with further information",
    ),
    ("victim_hub_vcop_information", "2023/24 Q2", r"referrals of which (\d+)% \(n=\d+\)"),
    ("victim_hub_vcop_information", "2023/24 Q3", r"referrals, of which (\d+)% \(n=\d+\)"),
    (
        "victim_hub_rj_follow_up",
        "2023/24 Q1",
        r"In Q1 2023/24, (\d+)% \(n=\d+/\d+\) referrals into BVCH had a Restorative Justice",
    ),
    ("victim_hub_rj_follow_up", "2023/24 Q2", r"This increased to (\d+)% in Q2"),
    (
        "rj_police_officers_trained",
        "2023/24 Q2",
        r"(Fifteen) Metropolitan Police Officers participated in the Restorative Justice "
        r"refresher training course in Q2 2023/24",
    ),
    (
        "rj_police_officers_trained",
        "2023/24 Q3",
        r"during Q3 and a further \*\*(\d+)\*\* officers were trained",
    ),
    (
        "victim_satisfaction_nw_london",
        "2023/24 Q1",
        r"Overall victim satisfaction for NW \(Northwest\) London Q1 recorded at: (\d+)%",
    ),
    (
        "victim_satisfaction_nw_london",
        "2023/24 Q2",
        r"Overall victim satisfaction for NW London Q2 recorded at: (\d+)%",
    ),
    (
        "victim_satisfaction_barnet",
        "2023/24 Q2",
        r"In Barnet satisfaction rates were recorded at (\d+)% in Q2 2023/24",
    ),
    (
        "lvws_referrals_barnet_ytd",
        "2023/24 Q3",
        r"breakdown of the ([\d,]+) referrals the LVWS received for Barnet residents",
    ),
    (
        "barnet_homes_asb_cases_per_1000",
        "2023/24",
        r"ASB Cases per 1000 – Target \d+ – current position ([\d.]+\d)",
    ),
    (
        "barnet_homes_race_hate_cases_per_1000",
        "2023/24",
        r"Race hate cases per 1000 – Target \d+ – current position (\d+)",
    ),
    ("barnet_homes_da_one_stop_shop_approaches", "2022/23", r"(\d+) approaches in 22/23"),
    (
        "barnet_homes_sanctuary_scheme_referrals",
        "2022/23",
        r"(\d+) referrals to the scheme in 2022/23",
    ),
    (
        "cctv_incidents_ytd",
        "2023/24 Q2",
        r"Between April 2023 to September 2023 inclusive, there were (\d+) incidents recorded",
    ),
    (
        "cst_fixed_penalty_notices_ytd",
        "2023/24 Q2",
        r"In the 6 months to September 2023 a total of (\d+) Fixed Penalty Notices",
    ),
    ("prevent_referrals", "2022/23 Q4", r"There were (\d+) Prevent referrals in Barnet over Q4"),
]
# The BSAB's "this year (2022-23) up from last year (2021-22)" sentences: code -> pattern with
# the 2022/23 figure first and the 2021/22 figure second.
BSAB = {
    "adult_safeguarding_concerns": r"([\d,]+)\*\* Safeguarding Concerns were completed during "
    r"2022-23, up from ([\d,]+) in 2021-22",
    "adult_safeguarding_s42_enquiries": r"([\d,]+)\*\* S42 Safeguarding Enquiries were completed "
    r"during 2022-23, up from ([\d,]+) in 2021-22",
    "adult_safeguarding_other_enquiries": r"([\d,]+)\*\* Other Safeguarding Enquiries were "
    r"completed during 2022-23, up from ([\d,]+) in 2021-22",
    "adult_safeguarding_concerns_individuals": r"\*\*([\d,]+)\*\* individuals were involved in "
    r"safeguarding concerns during 2022-23, an increase from \*\*([\d,]+)\*\* in 2021-22",
    "adult_safeguarding_s42_individuals": r"\*\*([\d,]+)\*\* individuals were involved in "
    r"Section 42 Safeguarding Enquiries, an increase from \*\*([\d,]+)\*\* in 2021-22",
    "adult_safeguarding_other_enquiries_individuals": r"\*\*([\d,]+)\*\* individuals were "
    r"involved in other Safeguarding Enquiries, an increase from \*\*([\d,]+)\*\* in 2021-22",
    "adult_safeguarding_outcomes_achieved": r"achieving these outcomes increased to ([\d.]+)%, "
    r"from ([\d.]+)% in 2021-22",
}
WORDS = {"fifteen": 15}

# Data about incidents, places or staff rather than people (sensitive: false).
NOT_SENSITIVE = {
    "rj_police_officers_trained",
    "barnet_homes_asb_cases_per_1000",
    "barnet_homes_race_hate_cases_per_1000",
    "cctv_incidents_ytd",
    "cst_fixed_penalty_notices_ytd",
}

# The Forward Plan, counted by hand (lines 4652-4711): items per meeting.
ITEMS_PER_MEETING = {
    date(2023, 7, 21): 6,
    date(2023, 11, 24): 6,
    date(2024, 3, 1): 8,
    date(2024, 6, 7): 7,
    date(2024, 9, 6): 5,
}
OTHER_MEETINGS = {date(2023, 1, 20)}  # Barnet Homes' "Date of Previous Update" (line 3079)


def normalise(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def number(text: str) -> float:
    text = text.strip()
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    return float(text.replace(",", ""))


def spellings(value) -> list[str]:
    """The ways the papers print a figure: 4483 as 4483 or 4,483; 15 also as Fifteen."""
    if isinstance(value, float) and not value.is_integer():
        return [str(value)]
    whole = int(value)
    found = {str(whole), f"{whole:,}"}
    found |= {word for word, n in WORDS.items() if n == whole}
    return sorted(found)


def printed(value, line: str) -> bool:
    alternatives = "|".join(re.escape(s) for s in spellings(value))
    return re.search(rf"(?<![\d.,])(?:{alternatives})(?![\d]|[.,]\d)", line, re.I) is not None


def cited_lines(source: str) -> list[int]:
    """'... lines 729-738, 882' -> [729, ..., 738, 882]."""
    match = re.search(r"\blines? ([\d\s,\-]+)", source)
    assert match, f"no line numbers in source: {source!r}"
    numbers: list[int] = []
    for part in match.group(1).split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def previous_year(period: str) -> str:
    """'2022/23 Q4' -> '2021/22 Q4'."""
    match = PERIOD["quarterly"].match(period)
    assert match
    start = int(match.group(1)) - 1
    return f"{start}/{(start + 1) % 100:02d} Q{match.group(3)}"


def period_key(period: str) -> tuple:
    for pattern in PERIOD.values():
        match = pattern.match(period)
        if match:
            return tuple(int(g) for g in match.groups())
    raise AssertionError(f"unparsable period {period!r}")


def date_pattern(day: date) -> re.Pattern:
    """1 March 2024 as the papers print it: '1st March 2024', '1 st March, 2024', '01/03/2024'."""
    words = rf"\b0?{day.day}\s*(?:st|nd|rd|th)?\s+{MONTHS[day.month - 1]},?\s+{day.year}\b"
    return re.compile(rf"{words}|\b{day:%d/%m/%Y}\b", re.I)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data() -> dict:
    return yaml.safe_load(KPI_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plan_data() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def indicators(data) -> dict[str, dict]:
    return {indicator["code"]: indicator for indicator in data["indicators"]}


@pytest.fixture(scope="module")
def pack_lines() -> list[str]:
    """The board pack's lines; pack_lines[n] is line n (1-based, as cited)."""
    assert REFERENCE.is_dir(), f"the reference papers are missing: {REFERENCE}"
    path = REFERENCE / BOARD_PACK
    assert path.is_file(), f"{BOARD_PACK} is missing in {REFERENCE}"
    return ["", *path.read_text(encoding="utf-8").split("\n")]  # as sed numbers them


@pytest.fixture(scope="module")
def pack(pack_lines) -> str:
    return normalise("\n".join(pack_lines))


@pytest.fixture(scope="module")
def reference() -> str:
    """All the reference papers, normalised, one string."""
    return normalise("\n".join(p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.txt")))


@pytest.fixture(scope="module")
def forward_plan(pack_lines) -> list[tuple[date, list[dict]]]:
    """The Forward Plan parsed from the board pack: [(meeting date, [items])]."""
    start = next(i for i, line in enumerate(pack_lines) if line.strip() == "Forward Plan")
    assert "July 2023-July 2024" in pack_lines[start + 1]
    meetings: list[tuple[date, list[dict]]] = []
    day = re.compile(r"^(\d{1,2})\s*(?:st|nd|rd|th)\s+([A-Z][a-z]+)\s+(\d{4})\s*$")
    for line in pack_lines[start + 2 :]:
        if line.startswith("This page is intentionally left blank"):
            break
        cells = [c.strip() for c in line.split("\t")]
        if "\t" not in line or cells[0] == "Title of Report":
            continue  # blank lines, the contact line, page headers, column headers
        heading = day.match(line.strip())
        if heading:
            when = date(int(heading[3]), MONTHS.index(heading[2]) + 1, int(heading[1]))
            meetings.append((when, []))
            continue
        title, theme, owner, decision = (cells + ["", "", ""])[:4]
        title = re.sub(r"\s+–$", "", title)  # a dangling dash
        kinds = {word.title() for word in decision.split()}  # "Non-Key Non-key" -> {Non-Key}
        assert len(kinds) <= 1, line
        meetings[-1][1].append(
            {
                "title": normalise(title),
                "theme": normalise(theme),
                "owner": normalise(owner),
                "decision": kinds.pop() if kinds else "",
            }
        )
    return meetings


# --- the file's shape ---------------------------------------------------------------------------


def test_top_level(data):
    assert set(data) == {"organisations", "indicators", "meetings"}


def test_new_organisations(data, plan_data):
    known = {org["short"] for org in plan_data["organisations"]}
    shorts = [org["short"] for org in data["organisations"]]
    assert len(shorts) == len(set(shorts))
    for org in data["organisations"]:
        assert set(org) == {"short", "name", "kind"}
        assert org["short"] not in known, f"{org['short']} is already in {PLAN_FILE.name}"
        assert org["kind"] in KINDS
        assert org["name"].strip()


def test_indicator_fields(data):
    codes = [indicator["code"] for indicator in data["indicators"]]
    assert len(codes) == len(set(codes)), "codes are not unique"
    for indicator in data["indicators"]:
        code = indicator["code"]
        assert set(indicator) == INDICATOR_KEYS, code
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", code), code
        assert indicator["measure"] in MEASURES, code
        assert indicator["polarity"] in POLARITIES, code
        assert indicator["frequency"] in FREQUENCIES, code
        assert isinstance(indicator["sensitive"], bool), code
        assert indicator["unit"] == indicator["unit"].lower() and indicator["unit"].strip(), code
        assert indicator["name"].strip() and indicator["definition"].strip(), code
        assert BOARD_PACK in indicator["source"], code
        # The papers give no tolerance for any indicator.
        assert indicator["tolerance_percent"] is None, code


def test_owners_resolve(data, plan_data):
    shorts = {org["short"] for org in plan_data["organisations"] + data["organisations"]}
    for indicator in data["indicators"]:
        assert indicator["owner"] in shorts, f"{indicator['code']}: {indicator['owner']}"
    used = {indicator["owner"] for indicator in data["indicators"]}
    assert {org["short"] for org in data["organisations"]} <= used, "an organisation is unused"


def test_objectives(data, plan_data):
    numbers = {objective["number"] for objective in plan_data["strategy"]["objectives"]}
    for indicator in data["indicators"]:
        objectives = indicator["objectives"]
        assert isinstance(objectives, list) and len(objectives) <= 2, indicator["code"]
        assert len(set(objectives)) == len(objectives), indicator["code"]
        assert set(objectives) <= numbers, indicator["code"]


def test_sensitive(indicators):
    assert {code for code, i in indicators.items() if not i["sensitive"]} == NOT_SENSITIVE


def test_periods_parse(data):
    for indicator in data["indicators"]:
        pattern = PERIOD[indicator["frequency"]]
        periods = [r["period"] for r in indicator["returns"]]
        assert periods, f"{indicator['code']} has no returns"
        for period in periods:
            match = pattern.match(period)
            assert match, f"{indicator['code']}: {period!r} is not {indicator['frequency']}"
            if indicator["frequency"] != "monthly":  # 2023/24: the years follow on
                assert int(match.group(2)) == (int(match.group(1)) + 1) % 100, period
        assert len(set(periods)) == len(periods), indicator["code"]
        assert periods == sorted(periods, key=period_key), f"{indicator['code']} is not in order"


def test_return_values(data):
    for indicator in data["indicators"]:
        for ret in indicator["returns"]:
            assert set(ret) == {"period", "value", "note"}, indicator["code"]
            value = ret["value"]
            assert isinstance(value, int | float) and not isinstance(value, bool)
            assert value >= 0
            if indicator["measure"] == "percentage":
                assert value <= 100, indicator["code"]
            if indicator["measure"] == "count":
                assert isinstance(value, int), indicator["code"]
            assert isinstance(ret["note"], str)


def test_baselines_and_targets(data, reference):
    for indicator in data["indicators"]:
        code = indicator["code"]
        baseline = indicator["baseline"]
        assert set(baseline) == {"value", "period", "text"}, code
        if baseline["text"]:
            assert normalise(baseline["text"]) in reference, f"{code}: baseline text not printed"
        if baseline["value"] is not None:
            assert printed(baseline["value"], baseline["text"]), code
        if baseline["period"]:
            period_key(baseline["period"])  # a period as the returns write them
        if not baseline["text"]:
            assert baseline["value"] is None and baseline["period"] == "", code
        target = indicator["target"]
        if target is None:
            continue
        assert set(target) == {"value", "kind", "periods", "year", "text"}, code
        assert target["kind"] in TARGET_KINDS, code
        assert isinstance(target["periods"], int) and target["periods"] >= 1, code
        assert PERIOD["annual"].match(target["year"]), code
        if target["kind"] != "cumulative":
            assert target["periods"] == 1, code
        assert normalise(target["text"]) in reference, f"{code}: target text not printed"
        if target["value"] is not None:
            assert printed(target["value"], target["text"]), code


# --- the figures against the papers -------------------------------------------------------------


def test_every_indicator_is_expected(indicators):
    assert set(indicators) == set(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_values_as_read(code, indicators):
    returns = {r["period"]: r["value"] for r in indicators[code]["returns"]}
    assert returns == EXPECTED[code][1]


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_values_in_cited_lines_near_key_words(code, indicators, pack_lines):
    indicator = indicators[code]
    key = EXPECTED[code][0].lower()
    lines = cited_lines(indicator["source"])
    assert all(0 < n < len(pack_lines) for n in lines), f"{code} cites lines past the end"
    assert any(key in pack_lines[n].lower() for n in lines), f"{code}: {key!r} not in its lines"
    for ret in indicator["returns"]:
        where = [n for n in lines if printed(ret["value"], pack_lines[n])]
        assert where, f"{code} {ret['period']}: {ret['value']} is not in lines {lines}"
        assert any(
            key in pack_lines[m].lower()
            for n in where
            for m in range(max(1, n - NEAR), min(len(pack_lines), n + NEAR + 1))
        ), f"{code} {ret['period']}: {ret['value']} is not near {key!r}"


@pytest.mark.parametrize(("code", "period", "pattern"), FIGURES)
def test_figure_in_its_sentence(code, period, pattern, indicators, pack):
    match = re.search(pattern, pack)
    assert match, f"{code}: the sentence is not in the papers: {pattern}"
    returns = {r["period"]: r["value"] for r in indicators[code]["returns"]}
    assert returns[period] == number(match.group(1))


@pytest.mark.parametrize("code", sorted(BSAB))
def test_adult_safeguarding_years(code, indicators, pack):
    match = re.search(BSAB[code], pack)
    assert match, f"{code}: the sentence is not in the papers"
    returns = {r["period"]: r["value"] for r in indicators[code]["returns"]}
    assert returns == {"2022/23": number(match.group(1)), "2021/22": number(match.group(2))}


def test_victim_hub_referrals_and_target(indicators, pack):
    """18, 21 and 25 referrals in Q1-Q3 2023/24, 64 in all: 8 below the target of 72 by Q3."""
    hub = indicators["victim_hub_referrals"]
    values = [r["value"] for r in hub["returns"]]
    assert values == [18, 21, 25]
    match = re.search(
        r"There have been (\d+) referrals to the Victim Care Hub since April 2023, which is "
        r"(\d+) referrals below the intended target of (\d+) in the period Q1 to Q3 2023/24",
        pack,
    )
    assert match
    total, short, target = (int(g) for g in match.groups())
    assert sum(values) == total == target - short
    assert hub["target"]["value"] == target == 72
    assert hub["target"]["kind"] == "cumulative"
    assert hub["target"]["periods"] == 3 and hub["target"]["year"] == "2023/24"
    # "Engage 8 individuals per month": 8 x 9 months = 72
    assert "Engage 8 individuals per month" in pack and target == 8 * 9


def test_victim_hub_shares_match_their_counts(indicators, pack):
    """The printed percentages agree with the printed n and the quarter's referrals."""
    referrals = {r["period"]: r["value"] for r in indicators["victim_hub_referrals"]["returns"]}
    shares = {r["period"]: r["value"] for r in indicators["victim_hub_vcop_information"]["returns"]}
    for quarter, pattern in (
        ("2023/24 Q2", r"referrals of which (\d+)% \(n=(\d+)\)"),
        ("2023/24 Q3", r"referrals, of which (\d+)% \(n=(\d+)\)"),
    ):
        percent, n = (int(g) for g in re.search(pattern, pack).groups())
        assert shares[quarter] == percent
        assert round(100 * n / referrals[quarter]) == percent
    match = re.search(r"In Q1 2023/24, (\d+)% \(n=(\d+)/(\d+)\)", pack)
    percent, n, of = (int(g) for g in match.groups())
    assert of == referrals["2023/24 Q1"]
    assert int(100 * n / of) == percent  # 12/18 = 66.7%, printed 66%


def test_lvws_total_is_the_sum_of_its_categories(indicators, pack_lines):
    """Both tables of Barnet referrals April-December 2023 add up to the figure recorded."""
    total = indicators["lvws_referrals_barnet_ytd"]["returns"][0]["value"]
    starts = [i for i, line in enumerate(pack_lines) if line.startswith("Crime Category Group")]
    assert len(starts) == 2
    for start in starts:
        rows = []
        for line in pack_lines[start + 1 :]:
            match = re.fullmatch(r"[A-Za-z/&\- ]+\t([\d,]+)\s*", line)
            if not match:
                break
            rows.append(number(match.group(1)))
        assert len(rows) == 9 and sum(rows) == total == 4483


def test_prevent_baseline(indicators, pack):
    prevent = indicators["prevent_referrals"]
    match = re.search(
        r"There were (\d+) Prevent referrals in Barnet over Q(\d)\. In the same quarter in the "
        r"previous year, there were (\d+)\.",
        pack,
    )
    assert match
    [ret] = prevent["returns"]
    assert ret["value"] == int(match[1]) and ret["period"].endswith(f"Q{match[2]}")
    assert prevent["baseline"]["value"] == int(match[3]) == 25
    assert prevent["baseline"]["period"] == previous_year(ret["period"])


def test_barnet_homes_targets(indicators, pack):
    for code, label in (
        ("barnet_homes_asb_cases_per_1000", "ASB Cases per 1000"),
        ("barnet_homes_race_hate_cases_per_1000", "Race hate cases per 1000"),
    ):
        match = re.search(rf"{label} – Target (\d+) – current position ([\d.]*\d)", pack)
        assert match, label
        indicator = indicators[code]
        assert indicator["target"]["value"] == int(match[1])
        assert indicator["target"]["kind"] == "annual"
        assert indicator["returns"][0]["value"] == number(match[2])
        assert indicator["polarity"] == "lower"  # a ceiling: current below target is good
    asb = indicators["barnet_homes_asb_cases_per_1000"]
    assert (asb["target"]["value"], asb["returns"][0]["value"]) == (5, 4.5)
    assert asb["unit"] == "cases per 1,000 tenancies"


# --- the Forward Plan -----------------------------------------------------------------------


def test_meetings_shape(data):
    dates = [meeting["date"] for meeting in data["meetings"]]
    assert all(isinstance(d, date) for d in dates)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert set(dates) == set(ITEMS_PER_MEETING) | OTHER_MEETINGS
    for meeting in data["meetings"]:
        assert set(meeting) == {"date", "title", "venue", "items"}
        assert meeting["title"] == "Safer Communities Partnership Board"
        for item in meeting["items"]:
            assert set(item) == {"title", "theme", "owner", "decision"}
            assert item["decision"] in DECISIONS
            assert item["title"].strip()


def test_items_per_meeting(data):
    counts = {
        m["date"]: len(m["items"]) for m in data["meetings"] if m["date"] in ITEMS_PER_MEETING
    }
    assert counts == ITEMS_PER_MEETING
    assert sum(counts.values()) == 32


def test_forward_plan_as_parsed(data, forward_plan):
    """Every meeting and item of the Forward Plan, in order, as the board pack prints it."""
    assert [(when, len(items)) for when, items in forward_plan] == list(ITEMS_PER_MEETING.items())
    transcribed = {m["date"]: m["items"] for m in data["meetings"]}
    for when, items in forward_plan:
        mine = [
            {key: normalise(value) for key, value in item.items()} for item in transcribed[when]
        ]
        assert mine == items, when


def test_meeting_dates_and_venues_in_papers(data, reference):
    for meeting in data["meetings"]:
        assert date_pattern(meeting["date"]).search(reference), meeting["date"]
        if meeting["venue"]:
            assert normalise(meeting["venue"]).lower() in reference.lower(), meeting["venue"]


def test_item_wording_in_papers(data, pack):
    for meeting in data["meetings"]:
        for item in meeting["items"]:
            for field in ("title", "theme", "owner"):
                assert normalise(item[field]) in pack, f"{meeting['date']}: {item[field]!r}"


def test_items_after_the_page_break_are_on_the_march_agenda(data, pack_lines):
    """The five rows after the page break in 1 March 2024 are items 11-14 and 10 of its agenda."""
    agenda = [
        re.sub(r"\s*[–-]\s*", " - ", line.split("\t")[1])
        for line in pack_lines[69:94]
        if re.match(r"\d+\.\t", line)
    ]
    [march] = [m for m in data["meetings"] if m["date"] == date(2024, 3, 1)]
    for item in march["items"]:
        title = re.sub(r"\s*[–-]\s*", " - ", item["title"])
        assert any(title in entry for entry in agenda), item["title"]
    assert "Date of Next Meeting: 7th June 2024" in "\n".join(pack_lines[69:94])
