"""A stack file's YAML, parsed as strictly as the Pulumi CLI reads it: a key given twice in one
mapping is refused, and timestamps are kept as the text typed. Errors are PyYAML's, for
`stack_file` to word."""

from __future__ import annotations

from typing import Any

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKey(yaml.MarkedYAMLError):
    pass


class _Strict(yaml.constructor.SafeConstructor):
    """PyYAML's safe constructor, refusing a key given twice in one mapping (PyYAML would keep the
    last silently, the Pulumi CLI refuses the file), and keeping timestamps as the text typed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # Checked on the node as written: keys brought in by a `<<` merge may be overridden.
        seen: dict[tuple[type, Any], yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            # By type too: YAML's 1 and true are different keys, though equal in Python.
            identity = (type(key), key)
            try:
                first = seen.setdefault(identity, key_node)
            except TypeError:
                continue  # an unhashable key, which PyYAML refuses by itself
            if first is not key_node:
                line = first.start_mark.line + 1
                problem = f"duplicate key {key!r} (first at line {line}); the Pulumi CLI refuses duplicate keys"
                raise DuplicateKey(problem=problem, problem_mark=key_node.start_mark)
        return super().construct_mapping(node, deep)


class StrictLoader(_Strict, yaml.SafeLoader):
    pass


# libyaml's parser, where PyYAML was built with it: a stack of many pools parses in a tenth of the
# time. Its nodes are the same; its error messages are not, so a file it refuses is read again by
# the pure-Python loader, whose messages are the ones users see.
_FAST_BASE: Any = getattr(yaml, "CSafeLoader", None)
FastStrictLoader: Any = type("FastStrictLoader", (_Strict, _FAST_BASE), {}) if _FAST_BASE else None


def _as_typed(loader: Any, node: yaml.Node) -> str:
    return str(node.value)


# The program reads every config value as text, and Pulumi hands a date over as typed.
for _loader in (StrictLoader, FastStrictLoader):
    if _loader is not None:
        _loader.add_constructor("tag:yaml.org,2002:timestamp", _as_typed)


def parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The root node and the document (None and None for an empty file). Raises PyYAML's errors as
    its pure-Python loader raises them, DuplicateKey for a repeated key."""
    # ASCII only: libyaml counts a mark's column as PyYAML does for it, and refuses no character
    # PyYAML's reader accepts.
    if FastStrictLoader is not None and text.isascii() and not yaml.reader.Reader.NON_PRINTABLE.search(text):
        fast = FastStrictLoader(text)
        try:
            return _read(fast)
        except yaml.YAMLError:
            pass
        finally:
            fast.dispose()
    loader = StrictLoader(text)
    try:
        return _read(loader)
    finally:
        loader.dispose()


def _read(loader: Any) -> tuple[yaml.Node | None, Any]:
    root = loader.get_single_node()
    return root, (loader.construct_document(root) if root is not None else None)
