"""The board meeting pack: the product (cspkit.products.meeting_pack) and its PDF (render.pack).

The pack is the Board of 1 March 2024: its agenda from the demo Forward Plan, the real
Performance Dashboard for October to December 2023 as the data stood at January 2024 (the
latest complete quarter before the meeting), a hand-made action plan progress report, and
partner KPIs through the product - including a made-up Victim Care Hub series with a 3 in
2023/24 Q2, which must be "<5" everywhere and never appear as a number, and neither may the
year to date it is hidden in (18 + 3 + 25 = 46, "not published") nor that figure's status.

The PDF is checked as a board member would read it: text extracted page by page (pypdf),
each contents line's page holds that part's heading, every footer says "Page n of N".
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime
from io import BytesIO

import pypdf
import pytest
import yaml
from test_partner_kpis import KPI_FILE
from test_render_partner import SMALL_CODE, SMALL_VALUES, SMALL_YEAR_TO_DATE, partner_reports

import cspkit.api as api
from cspkit.products.meeting_pack import (
    NO_DASHBOARD_NOTE,
    ActionLine,
    AgendaLine,
    ChangeLine,
    MeetingPack,
    PlanProgress,
    ThemeProgress,
    latest_complete_quarter,
    meeting_pack,
)
from cspkit.render.pack import _draw, pack_pdf, write_pack

MEETING = date(2024, 3, 1)
PARTNERSHIP = "Barnet Safer Communities Partnership"
GENERATED = datetime(2024, 2, 23, 9, 0)


# -- the latest complete quarter ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "first", "last"),
    [
        (date(2024, 3, 1), date(2023, 10, 1), date(2023, 12, 31)),  # the brief's example
        (date(2024, 1, 1), date(2023, 10, 1), date(2023, 12, 31)),  # the day after it ended
        (date(2024, 3, 31), date(2023, 10, 1), date(2023, 12, 31)),  # Q1 not over yet
        (date(2024, 4, 1), date(2024, 1, 1), date(2024, 3, 31)),
        (date(2023, 11, 24), date(2023, 7, 1), date(2023, 9, 30)),
        (date(2024, 6, 7), date(2024, 1, 1), date(2024, 3, 31)),
        (date(2024, 7, 19), date(2024, 4, 1), date(2024, 6, 30)),
        (date(2024, 12, 31), date(2024, 7, 1), date(2024, 9, 30)),
    ],
)
def test_latest_complete_quarter(meeting, first, last):
    assert latest_complete_quarter(meeting) == (first, last)


# -- the product -------------------------------------------------------------------------------


def agenda_of(day: date) -> tuple[str, str, list[AgendaLine]]:
    """The Forward Plan's meeting on ``day``: title, venue and agenda (the demo file)."""
    meetings = yaml.safe_load(KPI_FILE.read_text(encoding="utf-8"))["meetings"]
    (m,) = [m for m in meetings if m["date"] == day]
    items = [AgendaLine(i["title"], i["theme"], i["owner"], i["decision"]) for i in m["items"]]
    return m["title"], m["venue"], items


def plan_progress() -> PlanProgress:
    """A small action plan, counted by hand: 14 actions in 3 themes, 3 overdue."""
    return PlanProgress(
        plan_title="Serious Violence Action Plan 2023/24",
        as_of=MEETING,
        since=date(2023, 11, 24),
        themes=[
            ThemeProgress(
                "Partnership working",
                5,
                {"red": 1, "amber": 1, "green": 3, "": 0},
                {"not_started": 0, "planning": 1, "delivery": 3, "complete": 1, "": 0},
                1,
            ),
            ThemeProgress(
                "Early intervention and prevention",
                6,
                {"red": 0, "amber": 2, "green": 3, "": 1},
                {"not_started": 1, "planning": 1, "delivery": 4, "complete": 0, "": 0},
                2,
            ),
            ThemeProgress(
                "Victim support",
                3,
                {"green": 3},  # the other keys are 0
                {"delivery": 2, "complete": 1},
                0,
            ),
        ],
        overdue=[
            ActionLine(
                "1.2",
                "Agree a data-sharing protocol for serious violence data across the partners",
                "Partnership working",
                date(2023, 12, 31),
                "Planning",
                "red",
            ),
            ActionLine(
                "2.4",
                "Deliver knife crime awareness sessions in all secondary schools",
                "Early intervention and prevention",
                date(2024, 1, 31),
                "Implementation/delivery",
                "amber",
            ),
            ActionLine(
                "2.5",
                "Map youth provision in the three wards with the most violence",
                "Early intervention and prevention",
                date(2024, 2, 29),
                "Not started",
                "",
            ),
        ],
        not_updated=[
            ActionLine(
                "3.1",
                "Open Victim Care Hub referral routes to schools",
                "Victim support",
                date(2024, 3, 31),
                "Implementation/delivery",
                "green",
            )
        ],
        changes=[
            ChangeLine("1.2", datetime(2024, 1, 12, 10, 5), "Matt Leng", "Risk RAG Amber → Red"),
            ChangeLine(
                "2.4",
                date(2024, 2, 2),
                "Tina McElligott",
                "Progress update: sessions delivered in 9 of 22 schools.",
            ),
        ],
    )


def test_theme_progress_fills_missing_keys_and_totals():
    plan = plan_progress()
    victims = plan.themes[2]
    assert victims.rag == {"red": 0, "amber": 0, "green": 3, "": 0}
    assert victims.stage == {
        "not_started": 0,
        "planning": 0,
        "delivery": 2,
        "complete": 1,
        "": 0,
    }
    totals = plan.totals
    # 5 + 6 + 3 actions; red 1, amber 1 + 2, green 3 + 3 + 3, not rated 1; overdue 1 + 2
    assert (totals.total, totals.overdue) == (14, 3)
    assert totals.rag == {"red": 1, "amber": 3, "green": 9, "": 1}
    assert totals.stage == {"not_started": 1, "planning": 2, "delivery": 9, "complete": 2, "": 0}


def test_theme_progress_refuses_labels_for_keys():
    with pytest.raises(ValueError, match=r"machine names 'red', 'amber', 'green', '', not 'Red'"):
        ThemeProgress("A theme", 1, {"Red": 1}, {"planning": 1}, 0)
    with pytest.raises(ValueError, match="not 'Implementation/delivery'"):
        ThemeProgress("A theme", 1, {"red": 1}, {"Implementation/delivery": 1}, 0)


def test_theme_progress_counts_must_add_up():
    with pytest.raises(ValueError, match="the RAG counts add up to 2, not the 3 actions"):
        ThemeProgress("A theme", 3, {"red": 1, "green": 1}, {"planning": 3}, 0)
    with pytest.raises(ValueError, match="4 overdue of 3 actions"):
        ThemeProgress("A theme", 3, {"red": 3}, {"planning": 3}, 4)


def test_action_line_rag_is_a_machine_name():
    with pytest.raises(ValueError, match="action 1.1: rag is one of 'red', 'amber', 'green'"):
        ActionLine("1.1", "Do it", "A theme", None, "Planning", "Green")


def test_meeting_pack_puts_the_kpis_on_a_copy_of_the_dashboard(police_report):
    kpis = partner_reports()
    title, venue, agenda = agenda_of(MEETING)
    pack = meeting_pack(
        PARTNERSHIP,
        title,
        MEETING,
        venue=venue,
        agenda=agenda,
        dashboard=police_report,
        dashboard_note="ignored when there is a dashboard",
        plan=plan_progress(),
        kpis=kpis,
        generated_at=GENERATED,
    )
    assert isinstance(pack, MeetingPack)
    assert pack.dashboard.partner_indicators == kpis == pack.kpis
    assert police_report.partner_indicators == []  # the report passed in is unchanged
    assert pack.dashboard.indicators is police_report.indicators
    assert pack.dashboard_note == ""
    assert (pack.title, pack.venue) == (
        "Safer Communities Partnership Board",
        "Hendon Town Hall, The Burroughs, London NW4 4BQ",
    )
    assert [a.title for a in pack.agenda][:2] == [
        "Performance Update",
        "North West BCU Police Update to the Safer Communities Partnership Board",
    ]


def test_meeting_pack_without_a_dashboard_says_why():
    pack = meeting_pack(PARTNERSHIP, "Board", MEETING, generated_at=GENERATED)
    assert pack.dashboard is None and pack.dashboard_note == NO_DASHBOARD_NOTE
    assert "cspkit ingest" in pack.dashboard_note
    assert (pack.agenda, pack.kpis, pack.plan) == ([], [], None)
    note = "No police data loaded: run cspkit ingest"
    assert meeting_pack(PARTNERSHIP, "Board", MEETING, dashboard_note=note).dashboard_note == note
    with pytest.raises(ValueError, match="needs the partnership's name"):
        meeting_pack(" ", "Board", MEETING)


# -- the PDF -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def police_report(loaded_warehouse):
    first, last = latest_complete_quarter(MEETING)
    return api.dashboard(
        f"{first:%Y-%m}",
        f"{last:%Y-%m}",
        area="Barnet",
        vintage="2024-01",
        warehouse=loaded_warehouse,
        taxonomy_files=[],
    )


@pytest.fixture(scope="session")
def full_pack(police_report) -> MeetingPack:
    title, venue, agenda = agenda_of(MEETING)
    return meeting_pack(
        PARTNERSHIP,
        title,
        MEETING,
        venue=venue,
        agenda=agenda,
        dashboard=police_report,
        plan=plan_progress(),
        kpis=partner_reports(),
        generated_at=GENERATED,
    )


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(BytesIO(pdf)).pages]


@pytest.fixture(scope="session")
def full_pages(full_pack, tmp_path_factory) -> list[str]:
    out = write_pack(full_pack, tmp_path_factory.mktemp("pack") / "pack.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    return _pages(out.read_bytes())


CONTENTS_LINE = re.compile(r"(?:(\d)\. )?([A-Z][A-Za-z ]+?) (\d+)(?= |$)")


def contents_of(pages: list[str]) -> list[tuple[str | None, str, int]]:
    """(part number or None, title, page) from the contents page's text."""
    text = pages[1]
    assert text.startswith("Contents Part Page ")
    body = text.removeprefix("Contents Part Page ").split(" Page numbers are")[0]
    return [(n or None, title, int(page)) for n, title, page in CONTENTS_LINE.findall(body)]


def test_cover(full_pages, full_pack):
    cover = full_pages[0]
    assert cover.startswith(f"{PARTNERSHIP} Safer Communities Partnership Board Meeting pack")
    assert "Friday 1 March 2024" in cover
    assert "Hendon Town Hall, The Burroughs, London NW4 4BQ" in cover
    assert full_pack.dashboard.period_label in cover
    assert "Page 1" not in cover  # no footer on the cover


def test_contents_page_numbers_are_right(full_pages, full_pack):
    contents = contents_of(full_pages)
    assert [(n, t) for n, t, _ in contents] == [
        ("1", "Agenda"),
        ("2", "Performance Dashboard"),
        (None, "Partner indicators"),
        (None, "Data sources"),
        ("3", "Action plan progress"),
        ("4", "Partner indicators"),
    ]
    pages = {(n, t): p for n, t, p in contents}
    # what each listed page must start with: the part's heading (or the page's own)
    expected = {
        ("1", "Agenda"): "SAFER COMMUNITIES PARTNERSHIP BOARD · FRIDAY 1 MARCH 2024 Agenda ",
        ("2", "Performance Dashboard"): f"{PARTNERSHIP} Performance Dashboard ",
        (None, "Partner indicators"): "PARTNER INDICATORS · BARNET Partner indicators at a glance",
        (None, "Data sources"): "Data sources ",
        ("3", "Action plan progress"): (
            "SAFER COMMUNITIES PARTNERSHIP BOARD · FRIDAY 1 MARCH 2024 Action plan progress "
        ),
        ("4", "Partner indicators"): (
            "SAFER COMMUNITIES PARTNERSHIP BOARD · FRIDAY 1 MARCH 2024 Partner indicators "
        ),
    }
    for key, start in expected.items():
        page = full_pages[pages[key] - 1]
        assert page.startswith(start), (key, page[:120])
    # and nowhere earlier: each part starts on the page listed, not before
    assert not any(
        "Action plan progress" in p
        for p in full_pages[2 : pages[("3", "Action plan progress")] - 1]
    )
    # the parts follow one another: agenda, dashboard, plan, partner KPIs, then the end
    starts = [p for n, _, p in contents if n]
    assert starts == sorted(starts) and starts[0] == 3
    assert starts[-1] <= len(full_pages)
    dashboard_pages = starts[2] - starts[1]
    # the dashboard as pdf.py prints it: cover, notes, 7 police pages, the partner summary,
    # one page per partner KPI, chart data, sources
    assert dashboard_pages == 2 + 7 + 1 + len(full_pack.kpis) + 2


def test_every_page_after_the_cover_says_page_n_of_n(full_pages):
    total = len(full_pages)
    assert f"this pack is one document of {total} pages" in full_pages[1]
    for number, text in enumerate(full_pages[1:], start=2):
        assert text.endswith(f"Page {number} of {total}"), (number, text[-80:])
        footers = re.findall(r"Page (\d+) of (\d+)", text)
        assert footers[-1] == (str(number), str(total))


def test_footers_name_the_part(full_pages):
    contents = {(n, t): p for n, t, p in contents_of(full_pages)}
    left = f"{PARTNERSHIP} · Safer Communities Partnership Board, 1 Mar 2024 · "
    plan = contents[("3", "Action plan progress")]
    assert f"{left}Contents" in full_pages[1]
    assert f"{left}Agenda" in full_pages[2]
    assert all(f"{left}Performance Dashboard" in p for p in full_pages[3 : plan - 1])
    assert f"{left}Action plan progress" in full_pages[plan - 1]
    assert f"{left}Partner indicators" in full_pages[-1]


def test_agenda_page(full_pages):
    _, _, agenda = agenda_of(MEETING)
    text = full_pages[2]
    assert len(agenda) == 8
    for number, item in enumerate(agenda, start=1):
        assert f"{number} {item.title}" in text
    assert "Greg Terefenko - Head of Housing, Barnet Homes" in text


def test_action_plan_pages(full_pages):
    start = {t: p for n, t, p in contents_of(full_pages) if n}["Action plan progress"]
    text = " ".join(full_pages[start - 1 : start + 1])
    assert (
        "Serious Violence Action Plan 2023/24, as at 1 Mar 2024: 14 actions in 3 themes; 3" in text
    )
    # RAG by theme: the heads are symbol + word; rows are theme, total, red, amber, green,
    # not rated, overdue; then all themes
    assert "Theme Actions ✖ Red ● Amber ✔ Green – Not rated Overdue" in text
    assert "Partnership working 5 1 1 3 0 1" in text
    assert "Early intervention and prevention 6 0 2 3 1 2" in text
    assert "Victim support 3 0 0 3 0 0" in text
    assert "All themes 14 1 3 9 1 3" in text
    assert "✖ Red Serious barriers to progress" in text
    # stage by theme
    assert "Not started Planning Implementation/delivery Complete Not recorded" in text
    assert "All themes 14 1 2 9 2 0" in text
    # overdue, changes since the last meeting, not updated this quarter
    assert "3 actions past the delivery date and not complete" in text
    assert "1.2 Agree a data-sharing protocol" in text and "31 Dec 2023 Planning ✖ Red" in text
    assert "29 Feb 2024 Not started – Not rated" in text
    assert "Changes and progress updates since 24 Nov 2023" in text
    assert "12 Jan 2024, 10:05 1.2 Matt Leng Risk RAG Amber → Red" in text
    assert "2 Feb 2024 2.4 Tina McElligott Progress update" in text
    assert "1 action with no progress update since 1 Jan 2024" in text
    assert "3.1 Open Victim Care Hub referral routes to schools" in text


def test_kpi_summary_page(full_pages, full_pack):
    contents = {(n, t): p for n, t, p in contents_of(full_pages)}
    text = full_pages[contents[("4", "Partner indicators")] - 1]
    first_partner_page = contents[(None, "Partner indicators")] + 1
    for i, p in enumerate(full_pack.kpis):
        assert p.name in text and p.sentence in text
        # the page column points at the indicator's own page in the dashboard
        page = full_pages[first_partner_page + i - 1]
        assert page.startswith(f"PARTNER INDICATOR {i + 1} OF {len(full_pack.kpis)}")
        assert p.name in page
    assert "Referrals to the Victim Care Hub 2023/24 Q3 25 64" in text
    assert "64 referrals by Q3 against a target of 72 (89% of target): red." in text
    assert re.search(r"against a target of 72 \(89% of target\): red\. 14\b", text)
    assert "✖ Red" in text and "✔ Green" in text and "– No target" in text
    assert "<5: a count from 1 to 4 about people" in text
    # the small-numbers row: value, year to date "not published", target, status, sentence, page
    assert (
        "Victim Care Hub referrals (small numbers) 2023/24 Q3 25 not published the intended"
        " target of 72 in"
        " the period Q1 to Q3 2023/24 – Not published The figure to Q3 is not published because"
        " it is under 5 or would reveal a number under 5; the target is 72 referrals. 15"
    ) in text
    assert (
        "Prevent referrals 2022/23 Q4 15 – No target – No target 15 referrals in Q4. 15 referrals"
        " against 25 referrals in 2021/22 Q4: a decrease of 40.0%. 18"
    ) in text


def test_no_suppressed_number_anywhere(full_pages):
    whole = " ".join(full_pages)
    assert "<5" in whole and "12 9 18 <5 25" in whole  # the data table, as published
    # Q2's 3 in any of the ways a page could print it
    for leak in ("2023/24 Q2: 3", "2023/24 Q2 3 ", "Q2: 3;", "9 18 3 25", "12 9 18 3 25"):
        assert leak not in whole
    # the year to date (46) and its status (46 of 72 by Q3 is red) in the ways the summary
    # tables and the indicator's page could print them
    assert SMALL_YEAR_TO_DATE == 46 and SMALL_VALUES["2023/24 Q2"] == 3
    for leak in ("2023/24 Q3 25 46", "Year to date 46", "46 referrals", "(64% of target)"):
        assert leak not in whole
    small_rows = re.findall(
        r"Victim Care Hub referrals \(small numbers\) 2023/24 Q3 .{0,200}", whole
    )
    assert len(small_rows) == 2  # the dashboard's summary page and the pack's KPI page
    for row in small_rows:
        assert row.startswith(
            "Victim Care Hub referrals (small numbers) 2023/24 Q3 25 not published the intended"
            " target of 72 in the period Q1 to Q3 2023/24 – Not published"
        ), row
    # every page that names the indicator (the two summaries, its own page): no 46 standing
    # alone; the pack's other 46s are police counts
    pages = [p for p in full_pages if "Victim Care Hub referrals (small numbers)" in p]
    assert len(pages) == 3
    for text in pages:
        body = text.split(" Barnet Safer Communities Partnership ·")[0]  # before the footer
        assert not re.search(r"(?<![\w/.,-])46(?![\w/%,.])", body)
    # the page of the small-numbers indicator: no 3 and no 46 standing alone, and no status
    (page,) = [p for p in full_pages if p.startswith("PARTNER INDICATOR 2 OF")]
    assert "Victim Care Hub referrals (small numbers)" in page
    body = page.split(" Barnet Safer Communities Partnership ·")[0]  # before the footer
    assert not re.search(r"(?<![\w/.,-])3(?![\w/%,.])", body)
    assert not re.search(r"(?<![\w/.,-])46(?![\w/%,.])", body)
    assert "Year to date not publishedreferrals" in body  # and its unit, as pypdf joins them
    assert "*" not in body  # a hidden total is never "*" (5 or more) nor "<5"
    assert "Against the target – Not published" in body
    for status in ("Red", "Amber", "Green", "No data"):
        assert status not in body
    assert SMALL_CODE


# -- a pack with nothing but the meeting -------------------------------------------------------


def test_pack_without_dashboard_plan_or_kpis():
    title, venue, agenda = agenda_of(date(2023, 11, 24))
    note = "No police data loaded: run `cspkit ingest`"
    pack = meeting_pack(
        PARTNERSHIP,
        title,
        date(2023, 11, 24),
        venue=venue,
        agenda=agenda,
        dashboard_note=note,
        generated_at=GENERATED,
    )
    pages = _pages(pack_pdf(pack))
    assert len(pages) == 6  # cover, contents, one page for each of the four parts
    contents = contents_of(pages)
    assert [(t, p) for _, t, p in contents] == [
        ("Agenda", 3),
        ("Performance Dashboard", 4),
        ("Action plan progress", 5),
        ("Partner indicators", 6),
    ]
    assert "Friday 24 November 2023" in pages[0] and "Police figures" not in pages[0]
    assert "Combating Drugs Partnership Update" in pages[2]
    assert "No Performance Dashboard in this pack" in pages[3]
    assert "No police data loaded: run cspkit ingest" in pages[3]
    assert "No action plan has been recorded" in pages[4]
    assert "No partner indicators have been recorded" in pages[5]
    for number, text in enumerate(pages[1:], start=2):
        assert text.endswith(f"Page {number} of 6")


def test_plan_with_no_changes_and_no_earlier_meeting():
    plan = dataclasses.replace(plan_progress(), since=None, changes=[], overdue=[], not_updated=[])
    pack = meeting_pack(PARTNERSHIP, "Board", MEETING, plan=plan, generated_at=GENERATED)
    text = " ".join(_pages(pack_pdf(pack))[4:5])
    assert "No action is past its delivery date." in text
    assert "No earlier meeting is recorded" in text
    assert "Every action has had a progress update since 1 Jan 2024." in text


def test_nothing_is_fetched_from_the_network():
    from weasyprint.urls import FatalURLFetchingError  # a BaseException: it stops the render

    html = '<p>x</p><img src="http://example.invalid/logo.png" alt="">'
    with pytest.raises(FatalURLFetchingError) as caught:
        _draw(html)
    # refused by protocol before any connection is tried
    assert "disallowed protocol" in str(caught.value.__cause__)


def test_text_is_escaped(police_report):
    agenda = [AgendaLine('<img src="http://example.invalid/x.png"> & more', "", "", "")]
    pack = meeting_pack(PARTNERSHIP, "Board <b>", MEETING, agenda=agenda, generated_at=GENERATED)
    pages = _pages(pack_pdf(pack))
    assert '<img src="http://example.invalid/x.png"> & more' in pages[2]
    assert "Board <b>" in pages[0]
