#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets from the test suite's inputs.

Every string literal in tests/*.rs that looks like hcq text (it has an
operator, a keyword or a bracket) becomes one file of
fuzz/seeds/<target>/ for the text targets (parse, compile), and the segment
files among them for fuzz/seeds/segments/. Run from the repository root:

    python3 fuzz/make_seeds.py
"""

import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fuzz" / "seeds"

LITERAL = re.compile(r'r(#*)"(.*?)"\1|"((?:[^"\\]|\\.)*)"', re.S)
ESCAPE = re.compile(r'\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|\n\s*|.)', re.S)
LOOKS_LIKE_HCQ = re.compile(r'[=~<>()\[\]#@]|\b(?:and|or|not|in|segment|sort)\b', re.I)


def unescape(body):
    def one(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        if e.startswith("x"):
            return chr(int(e[1:], 16))
        if e.startswith("\n"):
            return ""
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(e, e)

    return ESCAPE.sub(one, body)


def literals(source):
    for m in LITERAL.finditer(source):
        if m.group(2) is not None:
            yield m.group(2)
        else:
            try:
                yield unescape(m.group(3))
            except ValueError:
                continue


def write(target, text):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8", "surrogatepass")
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    for target in ("parse", "compile", "segments"):
        for old in (SEEDS / target).glob("*"):
            old.unlink()
    texts = set()
    for path in sorted((ROOT / "tests").glob("*.rs")):
        for text in literals(path.read_text()):
            if 0 < len(text) <= 400 and LOOKS_LIKE_HCQ.search(text):
                texts.add(text)
    for path in sorted((ROOT / "tests").rglob("*.hcq")):
        texts.add(path.read_text())
    for text in sorted(texts):
        write("parse", text)
        write("compile", text)
        if re.search(r"\bsegment\b", text, re.I):
            write("segments", text)
    print(f"{len(texts)} seeds")


main()
