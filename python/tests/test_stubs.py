"""The type stubs (azcopy_runner.pyi) name what the module holds, no more, no less."""
import ast
import inspect
import os

import azcopy_runner

STUBS = os.path.join(os.path.dirname(__file__), "..", "azcopy_runner.pyi")
STUB_ONLY = {"State", "Seconds"}  # type aliases of the stubs


def stub_tree():
    with open(STUBS, encoding="utf-8") as f:
        return ast.parse(f.read(), STUBS)


def names_in(body):
    names = set()
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def test_the_stubs_name_every_public_name_of_the_module():
    tree = stub_tree()
    module_names = public(azcopy_runner) | {"__version__"}
    assert names_in(tree.body) - STUB_ONLY == module_names


def module_attributes(cls):
    """The public attributes of a module class, less those of Python's own bases."""
    foreign = set()
    for base in inspect.getmro(cls)[1:]:
        if base.__module__ != "azcopy_runner":
            foreign |= public(base)
    return public(cls) - foreign


def test_each_class_of_the_stubs_has_the_attributes_of_the_module_class():
    classes = [node for node in stub_tree().body if isinstance(node, ast.ClassDef)]
    assert len(classes) >= 15
    for node in classes:
        cls = getattr(azcopy_runner, node.name)
        assert names_in(node.body) | names_of_bases(node) == module_attributes(cls), node.name


def names_of_bases(node):
    """The attributes a stub class inherits from the stub classes it derives from."""
    tree = {c.name: c for c in stub_tree().body if isinstance(c, ast.ClassDef)}
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in tree:
            names |= names_in(tree[base.id].body) | names_of_bases(tree[base.id])
    return names
