"""The Barnet demo data (cspkit/web/demo_data/barnet_2023_24.yaml) checked against its sources.

The file is a hand transcription of the partnership's papers (plain text in the shared
``reference`` folder). These tests read those papers themselves and check the transcription:
every text is the papers' wording once the extraction's artefacts are cleaned, the counts match
a count made by hand, and every name, outcome and date is one the app can resolve.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_FILE = REPO / "cspkit" / "web" / "demo_data" / "barnet_2023_24.yaml"
if os.environ.get("CSPKIT_SHARED_DATA"):
    REFERENCE = Path(os.environ["CSPKIT_SHARED_DATA"]).parent / "reference"
else:
    REFERENCE = REPO.parent / "shared" / "reference"

BOARD_PACK = "001_929e170fd4e1a35d.txt"  # SNA, strategy, VVR action plan (board papers)
CABINET_REPORT = "002_01eb08840f9b5292.txt"  # Cabinet, 16 January 2024

# A spreadsheet range left in a cell by the PDF export, e.g. "Boards+C28:M43, Local".
ARTEFACT = re.compile(r"\+[A-Z]+\d+:[A-Z]+\d+")
# How the app splits an organisation cell into names (cspkit/web/plan/plan_io.py).
SPLIT_ORGS = re.compile(r"\s*(?:,|;|/|\band\b|&)\s*", re.IGNORECASE)
MONTH = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
PRINTED_MONTH = re.compile(r"^[A-Z][a-z]{2} ?- ?\d\d$")  # "Jan-24", once "Jan - 25"
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
KINDS = {
    "police", "council", "probation", "health", "housing", "fire", "voluntary", "partnership",
    "education", "other",
}  # fmt: skip
BLANK_EVERYWHERE = ("progress", "comment", "document_refs", "rag")

# Counted by hand from the board pack, lines 2915-3014 (the action table): an action is a row
# with an Action No; a row is a line of the table (the two pieces of an action the extraction
# cut at a theme label count once each, as they are two rows of the sheet).
ACTIONS_PER_THEME = {1: 6, 2: 8, 3: 2, 4: 12, 5: 6, 6: 4, 7: 4, 8: 11}  # 53 actions
ROWS_PER_THEME = {1: 10, 2: 13, 3: 5, 4: 15, 5: 8, 6: 5, 7: 4, 8: 11}  # 71 deliverable rows
# ... and lines 3016-3059 (the menu): theme 8 has "Currently no optional suggestions".
OPTIONAL_PER_THEME = {1: 1, 2: 3, 3: 6, 4: 17, 5: 7, 6: 3, 7: 5}  # 42 optional actions
OPTIONAL_NUMBERS_THEME_2 = ["1", "2", "4"]  # as printed: the menu has no ANALYSIS 3


# Where the extraction cut a cell in two (a theme label's line fell inside the row), the text
# runs on after the first words on a later line, starting with the second: ANALYSIS 4 and
# SAFEGUARDING 6's Actions, theme 4's name and theme 6's description (found by hand).
CUTS = (
    ("in order to ensure that victims and", "offenders benefit from preventative support."),
    ("and education; preventing", "harm through a culturally competent"),
    ("SAFEGUARDING AND EDUCATING CHILDREN AND", "YOUNG PEOPLE"),
    ("Ensuring coordinated referral", "and support to victims"),
)


def normalise(text: str) -> str:
    """Compare wording only: no artefacts, HTML residue, bullets or layout whitespace."""
    text = ARTEFACT.sub("", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("•", " ")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def data() -> dict:
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference() -> str:
    """All the reference papers, normalised, one string."""
    assert REFERENCE.is_dir(), f"the reference papers are missing: {REFERENCE}"
    papers = sorted(REFERENCE.glob("*.txt"))
    assert any(p.name == BOARD_PACK for p in papers), f"{BOARD_PACK} is missing in {REFERENCE}"
    return normalise("\n".join(p.read_text(encoding="utf-8") for p in papers))


@pytest.fixture(scope="module")
def board_pack_cells() -> list[list[str]]:
    """The board pack's lines as tab-separated cells (whitespace-normalised)."""
    text = (REFERENCE / BOARD_PACK).read_text(encoding="utf-8")
    return [[normalise(c) for c in line.split("\t")] for line in text.splitlines()]


def occurs(text: str, reference: str) -> bool:
    """The text occurs in the papers whole, or in the two pieces of a cell in CUTS."""
    text = normalise(text)
    if text in reference:
        return True
    for end_of_first, start_of_second in CUTS:
        if f"{end_of_first} {start_of_second}" in text:
            first, second = text.split(f"{end_of_first} ", 1)
            if f"{first}{end_of_first}" in reference and second in reference:
                return True
    return False


def month_text(month: str) -> str:
    """2024-01 -> Jan-24, as the sheet prints it."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]}-{year[2:]}"


def actions(data):
    return data["plan"]["actions"]


def rows(data):
    return [(action, row) for action in actions(data) for row in action["rows"]]


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


# -- the strategy -------------------------------------------------------------------------------


def test_strategy_period_and_review(data, reference):
    strategy = data["strategy"]
    assert strategy["title"] == "Serious Violence Strategy 2024-2027"
    assert strategy["title"] in reference
    assert str(strategy["starts"]) == "2024-04-01"
    assert str(strategy["ends"]) == "2027-03-31"
    assert str(strategy["review_due"]) == "2025-03-31"
    assert "next review due by 31st March 2025" in reference


def test_seven_objectives_in_the_strategys_wording(data, reference):
    objectives = data["strategy"]["objectives"]
    assert [o["number"] for o in objectives] == list(range(1, 8))
    for objective in objectives:
        assert f"Objective {objective['number']} {normalise(objective['text'])}" in reference
    assert "with a focus on:\n• Empowering parents and carers\n•" in objectives[4]["text"]


def test_eleven_recommendations_in_the_snas_wording(data, reference):
    recommendations = data["strategy"]["recommendations"]
    assert [r["number"] for r in recommendations] == list(range(1, 12))
    for rec in recommendations:
        if rec["number"] == 4:
            continue
        assert f"{rec['number']}. {rec['text']}" in reference, rec["number"]
    # 4 keeps its three sub-points in its text, joined with ";"
    head, points = recommendations[3]["text"].split(" with a focus on: ")
    assert f"4. {head} with a focus on:" in reference
    points = points.rstrip(".").split("; ")
    assert [p.split(" ")[0] for p in points] == ["empowering", "preventative", "pro-active"]
    lowered = reference.lower()
    assert all(f"- {p}" in lowered for p in points)


# -- the plan's header block, themes and tabs ---------------------------------------------------


def test_plan_header(data, reference):
    plan = data["plan"]
    assert plan["year"] == "2023/24"
    assert plan["title"].startswith("Barnet ")
    assert plan["title"].removeprefix("Barnet ") in reference
    assert plan["key_documents"] == []
    leadership = plan["leadership"]
    assert len(leadership) == 18
    assert (leadership[0]["organisation"], leadership[0]["role"]) == (
        "Local Authority",
        "CSP Chair",
    )
    assert (leadership[-1]["organisation"], leadership[-1]["role"]) == (
        "Community Voluntary Sector",
        "Chief Executive/Partnership lead",
    )
    for person in leadership:
        assert f"{person['organisation']} {person['role']}" in reference
        assert person["name"] == ""


def test_eight_themes(data, reference):
    themes = data["plan"]["themes"]
    assert [t["number"] for t in themes] == list(range(1, 9))
    assert themes[0]["name"] == "GOVERNANCE"
    assert themes[7]["name"] == "Tackling Violence Against Women and Girls"
    for theme in themes:
        # labels 4 and 6 are printed in two pieces (the extraction cut them)
        assert occurs(f"{theme['number']}. {theme['name']}", reference), theme["number"]
        assert "NEW SECTION" not in theme["name"] + theme["description"]
        if theme["description"]:
            assert occurs(theme["description"], reference), theme["number"]
    assert [bool(t["description"]) for t in themes] == [False] * 3 + [True, False] + [True] * 3


def test_theme_labels_are_whole(data, board_pack_cells):
    """Name and description together are the action table's whole theme label cell."""
    first_cells = [cells[0] for cells in board_pack_cells[2900:3015] if cells[0]]

    def label(starts: str) -> str:
        (cell,) = [c for c in first_cells if c.startswith(starts)]
        return cell

    printed = {
        1: label("1. "),
        2: label("2. "),
        3: label("3. "),
        4: f"{label('4. ')} {label('YOUNG PEOPLE')}",
        5: label("5. "),
        6: f"{label('6. ')} {label('and support to victims')}",
        7: label("7. "),
        8: label("NEW SECTION: 8. ").removeprefix("NEW SECTION: ").replace(":", "", 1),
    }
    for theme in data["plan"]["themes"]:
        number, name, description = theme["number"], theme["name"], theme["description"]
        assert f"{number}. {name} {description}".strip() == printed[number]


def test_emerging_themes(data, reference):
    emerging = data["plan"]["emerging_themes"]
    assert [e["name"] for e in emerging] == [
        "REDUCING ONLINE HARMS",
        "UNIVERSAL YOUTH WORK to support the safety of children and young people",
        "PARENT/CARER NETWORKS and systems of support",
        "LEARNING AND SHARING from research, evidence and insight, and self-assessments",
    ]
    assert all(e["name"] in reference and e["update"] == "" for e in emerging)


def test_optional_actions(data, reference):
    optional = data["plan"]["optional_actions"]
    assert Counter(o["theme"] for o in optional) == OPTIONAL_PER_THEME
    assert [o["number"] for o in optional if o["theme"] == 2] == OPTIONAL_NUMBERS_THEME_2
    for item in optional:
        assert isinstance(item["number"], str)
        assert normalise(item["text"]) in reference, item["text"][:60]
        assert item["vru_outcomes"], item["text"][:60]


# -- the action table ---------------------------------------------------------------------------


def test_actions_per_theme_match_the_hand_count(data):
    assert Counter(a["theme"] for a in actions(data)) == ACTIONS_PER_THEME
    assert Counter(a["theme"] for a, _ in rows(data)) == ROWS_PER_THEME
    for theme, count in ACTIONS_PER_THEME.items():
        numbers = [a["number"] for a in actions(data) if a["theme"] == theme]
        assert numbers == [str(n) for n in range(1, count + 1)], theme  # restart in each theme


def test_action_texts_are_the_sheets_wording(data, reference):
    for action in actions(data):
        label = f"{action['theme']}.{action['number']}"
        assert occurs(action["text"], reference), label
        for row in action["rows"]:
            if row["local_outcomes"]:
                assert occurs(row["local_outcomes"], reference), label


def test_cells_cut_by_the_extraction_are_joined(data):
    by_label = {(a["theme"], a["number"]): a for a in actions(data)}
    analysis_4 = by_label[(2, "4")]
    assert "in order to ensure that victims and offenders benefit" in analysis_4["text"]
    assert len(analysis_4["rows"]) == 2
    safeguarding_6 = by_label[(4, "6")]
    assert "preventing harm through a culturally competent" in safeguarding_6["text"]
    assert [r["start"] for r in safeguarding_6["rows"]] == ["2024-01", "2024-07"]
    labels = [f"{t['number']}. {t['name']}" for t in data["plan"]["themes"]]
    for action, row in rows(data):
        for text in (action["text"], row["local_outcomes"]):
            assert not any(label.lower() in text.lower() for label in labels)


def test_no_extraction_artefacts(data):
    for text in strings(data):
        assert not ARTEFACT.search(text), text
        assert "\t" not in text and "  " not in text, text
        assert "<ul" not in text and text == text.strip(), text
        assert "Mcvey" not in text, text  # normalised to Busby-McVey
    texts = [a["text"] for a in actions(data)]
    assert texts[0].count("Safeguarding Adults Boards, Local Drugs Partnership") == 1


def test_real_content_is_kept_as_printed(data):
    local = " ".join(row["local_outcomes"] for _, row in rows(data))
    assert "RADLAMAH PLEASE HELP!" in local
    assert "cofacilitated" in local
    assert "NEIL AND LIAM!" in local


def test_progress_columns_are_blank(data):
    for action in actions(data):
        assert action["ref"] == ""
        for key in BLANK_EVERYWHERE:
            assert action[key] == ""
            assert all(row[key] == "" for row in action["rows"])


def test_months(data):
    for action, row in rows(data):
        for key in ("start", "end"):
            assert row[key] == "" or MONTH.match(row[key]), (action["number"], row[key])
        if row["start"] and row["end"]:
            assert row["start"] <= row["end"], (action["theme"], action["number"])
    analysis_1 = actions(data)[6]
    assert (analysis_1["rows"][0]["start"], analysis_1["rows"][0]["end"]) == ("2025-01", "2027-01")


def test_each_row_is_a_line_of_the_sheet(data, board_pack_cells):
    """Row by row, in order: the months, lead, organisations and outcomes of each deliverable row
    are those printed on its own line of the action table (board pack lines 2918-3014)."""
    table = board_pack_cells[2917:3014]
    lines = [c for c in table if len(c) >= 13 and c[0] not in ("Ref", "Theme")]
    assert len(lines) == sum(ROWS_PER_THEME.values())
    for (action, row), cells in zip(rows(data), lines, strict=True):
        where = (action["theme"], action["number"], row["local_outcomes"][:30])
        printed = [c.replace(" ", "") for c in cells if PRINTED_MONTH.match(c)]
        assert [month_text(m) for m in (row["start"], row["end"]) if m] == printed, where
        if row["named_lead"]:
            assert row["named_lead"] in [c.replace("Busby-Mcvey", "Busby-McVey") for c in cells]
        line = " ".join(cells)
        organisations = f"{row['lead_organisation']},{row['supporting']}"
        for token in filter(None, SPLIT_ORGS.split(organisations)):
            assert token in line, (where, token)
        if row["local_outcomes"]:
            assert normalise(row["local_outcomes"]) in cells, where


def test_named_leads_are_in_the_papers(data, reference):
    lowered = reference.lower()  # "Busby-Mcvey" is printed in some cells
    for _, row in rows(data):
        assert row["named_lead"].lower() in lowered


# -- controlled lists -----------------------------------------------------------------------------


def test_vru_outcomes_are_a_clean_controlled_list(data, reference):
    outcomes = data["vru_outcomes"]
    assert len(outcomes) == len(set(outcomes))
    for outcome in outcomes:
        assert outcome[0].isupper() and not outcome.endswith((";", ".")), outcome
        assert outcome in reference, outcome
    used = [
        o for item in actions(data) + data["plan"]["optional_actions"] for o in item["vru_outcomes"]
    ]
    assert set(used) == set(outcomes)  # every one used, none undefined
    for item in actions(data) + data["plan"]["optional_actions"]:
        positions = [outcomes.index(o) for o in item["vru_outcomes"]]
        assert positions == sorted(set(positions)), item["text"][:60]
    # cells run outcomes together; none of them may survive unsplit
    assert "Reduced weapon carrying Increased feelings of safety in neighbourhood" not in outcomes
    assert not any(re.search(r"\w (Improved|Increased|Reduced) [a-z]", o) for o in outcomes)


def test_every_organisation_name_resolves(data):
    organisations = data["organisations"]
    shorts = [o["short"] for o in organisations]
    assert len({s.lower() for s in shorts}) == len(shorts)
    assert all(o["name"] and o["kind"] in KINDS for o in organisations)
    known = {s.lower() for s in shorts}
    for action, row in rows(data):
        for key in ("lead_organisation", "supporting"):
            for token in filter(None, SPLIT_ORGS.split(row[key])):
                assert token.lower() in known, (action["theme"], action["number"], token)
    for person in data["plan"]["leadership"]:
        assert person["organisation"] in shorts
    duty_holders = ["Police", "London Fire Brigade", "LAS", "Local Authority", "Probation"]
    duty_holders += ["Integrated Care Board", "Housing", "Public Health", "Education"]
    assert set(duty_holders) <= set(shorts)


def test_objective_links_are_for_the_demo_and_valid(data):
    for action in actions(data):
        links = action["objectives"]
        assert 1 <= len(links) <= 3 and links == sorted(set(links)), action["number"]
        assert set(links) <= set(range(1, 8))
    linked = {n for action in actions(data) for n in action["objectives"]}
    assert linked == set(range(1, 8))
    header = DEMO_FILE.read_text(encoding="utf-8").split("\npartnership:")[0]
    assert "NOT in the source" in header


def test_the_cabinet_report_gives_the_same_strategy_period():
    cabinet = normalise((REFERENCE / CABINET_REPORT).read_text(encoding="utf-8"))
    assert "Title Serious Violence Strategy 2024-27" in cabinet
    assert "Serious Violence Strategy 2024 -2027" in cabinet
