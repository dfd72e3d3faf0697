#!/usr/bin/env python3
"""Rebuild scripts/linguist-colors.json from GitHub linguist's languages.yml.

The JSON keeps, per linguist language, what the colour table of
src/render/palette/linguist.rs is made from: its colour, its aliases, and
its group when it has no colour of its own. The table itself is generated,
and checked, by a Rust test (see that file's documentation); this script
only turns linguist's YAML into that JSON, because the crate has no YAML
parser. Needs PyYAML.

    curl -LO https://raw.githubusercontent.com/github-linguist/linguist/SHA/lib/linguist/languages.yml
    python3 scripts/import-linguist-colors.py languages.yml --commit SHA
    REPOFLAME_BLESS=1 cargo test --lib render::palette   # then read the diff
"""

import argparse
import json
from pathlib import Path

import yaml  # PyYAML

LINGUIST_JSON = Path(__file__).resolve().parent / "linguist-colors.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("languages_yml", type=Path, help="linguist's lib/linguist/languages.yml")
    ap.add_argument("--commit", required=True, help="the linguist commit the file is from")
    ap.add_argument("--out", type=Path, default=LINGUIST_JSON)
    args = ap.parse_args()

    data = yaml.safe_load(args.languages_yml.read_text())
    lines = []
    for name, entry in data.items():
        e = {}
        if entry.get("color"):
            e["color"] = entry["color"]
        if entry.get("aliases"):
            e["aliases"] = list(entry["aliases"])
        if entry.get("group") and "color" not in e:
            e["group"] = entry["group"]
        lines.append(f"    {json.dumps(name)}: {json.dumps(e, ensure_ascii=False)}")
    old = json.loads(args.out.read_text()) if args.out.exists() else {}
    source = dict(old.get("source", {}), commit=args.commit)
    source.setdefault("repository", "github-linguist/linguist")
    source.setdefault("path", "lib/linguist/languages.yml")
    head = {"source": source, "fields": old.get("fields", "")}
    # One language per line, so that a diff shows what changed.
    text = json.dumps(head, indent=2)[:-2] + ',\n  "languages": {\n' + ",\n".join(lines) + "\n  }\n}\n"
    json.loads(text)  # sanity
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(lines)} languages)")


if __name__ == "__main__":
    main()
