# SPDX-License-Identifier: MIT
"""The structure docs/ARCHITECTURE.md describes, checked against src/.

- the layers are the folders of src/, in the order of the page's layers table;
- a file includes its own layer, layers listed before it, and public headers only (the one
  exception the page names: parse/output_parser.cpp may include state/state_rules.hpp);
- no include cycle between the files of src/;
- no internal header includes the facade (azcopy_runner/runner.hpp or azcopy_runner.hpp);
- every .cpp has a header of its name, in its folder or among the public headers;
- every file of src/ is named in the page's table of concerns, and every name there exists;
- tests/unit/ mirrors src/: its test files are in folders named after the layers (and cli/ for
  tools/cli);
- a summary's messages grow only through text/messages.cpp, the home of their bound.
"""
import pathlib
import re
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PUBLIC = ROOT / "include" / "azcopy_runner"
PAGE = ROOT / "docs" / "ARCHITECTURE.md"
FACADE = {"azcopy_runner/runner.hpp", "azcopy_runner/azcopy_runner.hpp"}
UPWARD_ALLOWED = {("parse/output_parser.cpp", "state/state_rules.hpp")}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def page_tables():
    """The rows of each table of the page, by the header line before it."""
    tables, header, rows = {}, None, None
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header, rows = tuple(cells), []
                tables[header] = rows
            elif not set(line) <= set("|-: "):
                rows.append(cells)
        else:
            header = None
    return tables


def layers():
    rows = page_tables()[("layer", "what it knows")]
    return [r[0].strip("`").rstrip("/") for r in rows]


def sources():
    return sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*") if p.suffix in (".cpp", ".hpp"))


def includes(rel):
    return INCLUDE.findall((SRC / rel).read_text(encoding="utf-8"))


class Structure(unittest.TestCase):
    def test_the_layers_are_the_folders_of_src(self):
        folders = sorted(p.name for p in SRC.iterdir() if p.is_dir())
        self.assertEqual(sorted(layers()), folders)
        self.assertEqual([p.name for p in SRC.iterdir() if p.is_file()], [], "a file outside every layer")

    def test_a_file_includes_nothing_of_a_layer_above_its_own(self):
        order = {name: i for i, name in enumerate(layers())}
        for rel in sources():
            mine = order[rel.split("/")[0]]
            for inc in includes(rel):
                if inc.startswith("azcopy_runner/"):
                    self.assertTrue((PUBLIC / inc.split("/", 1)[1]).is_file(), f"{rel}: {inc}")
                    continue
                self.assertTrue((SRC / inc).is_file(), f"{rel} includes {inc}, not a file of src/ by its path")
                theirs = order[inc.split("/")[0]]
                if (rel, inc) not in UPWARD_ALLOWED:
                    self.assertLessEqual(theirs, mine, f"{rel} includes {inc}, of a layer above its own")

    def test_no_include_cycle(self):
        graph = {rel: [i for i in includes(rel) if (SRC / i).is_file()] for rel in sources()}
        state = {}

        def visit(node, path):
            state[node] = "open"
            for nxt in graph[node]:
                if state.get(nxt) == "open":
                    self.fail("include cycle: " + " -> ".join(path + [node, nxt]))
                if nxt not in state:
                    visit(nxt, path + [node])
            state[node] = "done"

        for node in graph:
            if node not in state:
                visit(node, [])

    def test_no_internal_header_includes_the_facade(self):
        for rel in sources():
            if rel.endswith(".hpp"):
                self.assertFalse(FACADE & set(includes(rel)), f"{rel} includes the facade")

    def test_every_source_has_a_header_of_its_name(self):
        for rel in sources():
            if rel.endswith(".cpp"):
                stem = pathlib.PurePosixPath(rel).with_suffix(".hpp")
                self.assertTrue((SRC / stem).is_file() or (PUBLIC / stem.name).is_file(), f"{rel} has no {stem}")

    def test_the_page_names_every_file_and_no_other(self):
        rows = page_tables()[("file (`src/`)", "concern")]
        named = set()
        for cell in (r[0] for r in rows):
            path = cell.strip("`")
            base, _, exts = path.partition(".")
            for ext in exts.split("/."):
                named.add(f"{base}.{ext}")
        self.assertEqual(sorted(set(sources()) - named), [], "files of src/ the page does not name")
        self.assertEqual(sorted(named - set(sources())), [], "files the page names that do not exist")

    def test_the_unit_tests_mirror_the_layers(self):
        unit = ROOT / "tests" / "unit"
        self.assertEqual(sorted(p.name for p in unit.glob("*.cpp")), [], "a unit test outside every layer folder")
        folders = {p.name for p in unit.iterdir() if p.is_dir()}
        self.assertLessEqual(folders, set(layers()) | {"cli"}, "a unit test folder that is no layer")

    def test_messages_grow_only_through_their_bounded_home(self):
        grows = re.compile(r"\bmessages\s*(?:\.|->)\s*(?:push_back|emplace_back|insert|emplace|resize)\s*\(")
        home = "text/messages.cpp"
        found = [f"{rel}:{n}" for rel in sources() if rel != home
                 for n, line in enumerate((SRC / rel).read_text(encoding="utf-8").splitlines(), 1)
                 if grows.search(line)]
        self.assertEqual(found, [], f"messages added outside {home}, past its bound")
        self.assertTrue(grows.search((SRC / home).read_text(encoding="utf-8")), "the pattern finds nothing")

    def test_the_python_module_uses_only_the_public_api(self):
        python_src = ROOT / "python" / "src"
        files = sorted(python_src.glob("*.[ch]pp"))
        self.assertTrue(files, "no source in python/src")
        own = {p.name for p in files}
        for path in files:
            for included in INCLUDE.findall(path.read_text(encoding="utf-8")):
                self.assertTrue(included.startswith("azcopy_runner/") or included in own,
                                f"{path.relative_to(ROOT)} includes {included}: the module sees "
                                "only the public headers")


if __name__ == "__main__":
    unittest.main()
