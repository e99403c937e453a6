"""Fill the templates with the recorded output and write them into the repository.

In a template, a line ``{{ex:NAME}}`` becomes a text block holding the recorded output
``NAME.txt`` (written by examples.py and demo.sh), a line ``{{md:NAME}}`` becomes the
Markdown ``NAME.md`` as it is (a table built from the code, say), and ``{{tmp}}`` becomes
the scratch folder the examples ran in. Run by generate.sh.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
REPO = Path(os.environ.get("DOCGEN_REPO", HERE.parent.parent))
ROOT = Path(os.environ["DOCGEN_ROOT"])
OUT = ROOT / "out"
BANNER = "<!-- Generated from docs/_generate/templates/{rel}: edit there, then `make docs`. -->\n"


def main() -> int:
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        used.add(name)
        text = (OUT / f"{name}.txt").read_text(encoding="utf-8").rstrip("\n")
        return "```text\n" + text + "\n```"

    def fill_md(match: re.Match[str]) -> str:
        name = match.group(1)
        used.add(name)
        return (OUT / f"{name}.md").read_text(encoding="utf-8").rstrip("\n")

    for template in sorted(TEMPLATES.rglob("*.md")):
        rel = template.relative_to(TEMPLATES)
        body = template.read_text(encoding="utf-8").replace("{{tmp}}", str(ROOT))
        body = re.sub(r"^\{\{ex:([\w-]+)\}\}$", fill, body, flags=re.M)
        body = re.sub(r"^\{\{md:([\w-]+)\}\}$", fill_md, body, flags=re.M)
        left = re.findall(r"\{\{.*?\}\}", body)
        if left:
            print(f"{rel}: placeholders left: {left}", file=sys.stderr)
            return 1
        dest = REPO / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(BANNER.format(rel=rel.as_posix()) + body, encoding="utf-8")
        print("wrote", rel)
    unused = sorted(p.stem for p in [*OUT.glob("*.txt"), *OUT.glob("*.md")] if p.stem not in used)
    if unused:
        print("recorded but not used:", ", ".join(unused))
    return 0


if __name__ == "__main__":
    sys.exit(main())
