"""Write processors/core/bank_holiday_table.py from the `holidays` library.

The worker's calendar reads its bank holidays from that table, not from the library:
`holidays` imports every country it knows (about 16 MB a process, D73) to give the UK's
two calendars. Run this again when the library publishes a new bank holiday
(tests/processors/core/test_calendar.py fails until the table agrees with it):

    .venv/bin/python scripts/bank_holiday_table.py
"""

from __future__ import annotations

from pathlib import Path

import holidays

FIRST_YEAR = 1970
LAST_YEAR = 2099
TARGET = Path(__file__).resolve().parent.parent / "processors" / "core" / "bank_holiday_table.py"


def year_line(year: int, subdiv: str) -> str:
    """The bank holidays of `year` in `subdiv` as "MMDD" words, in date order."""
    days = sorted(holidays.country_holidays("GB", subdiv=subdiv, years=year))
    return " ".join(f"{day.month:02d}{day.day:02d}" for day in days)


def table_text() -> str:
    """The table module's source."""
    lines = [
        '"""The bank holidays of England and Wales (ENG) and of Scotland (SCT), one string a',
        "year from FIRST_YEAR to LAST_YEAR, each day as MMDD: written by",
        "scripts/bank_holiday_table.py from the `holidays` library, which processors.core.calendar",
        'still asks for any other year (D73). Do not edit by hand."""',
        "",
        f"FIRST_YEAR = {FIRST_YEAR}",
        f"LAST_YEAR = {LAST_YEAR}",
        "",
    ]
    for subdiv in ("ENG", "SCT"):
        lines.append(f"{subdiv} = (")
        lines += [f'    "{year_line(year, subdiv)}",  # {year}' for year in range(FIRST_YEAR, LAST_YEAR + 1)]
        lines.append(")")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(table_text())
