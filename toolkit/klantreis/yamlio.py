"""YAML with line numbers, and a small schema checker that reports file, line and field.

PyYAML's composer keeps the position of every node; we keep those positions next to the
plain data so that a validation message can say "personas/tessa.yaml, regel 7: 'codes'
moet een lijst zijn" instead of a bare KeyError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from .errors import InputError, SchemaError

Key = tuple  # path of keys/indices into the document


@dataclass
class YamlDoc:
    """Plain data plus the 1-based line of every key path."""

    path: Path
    data: Any
    lines: dict[Key, int] = field(default_factory=dict)

    def line(self, *keys) -> int | None:
        """Line of the deepest known prefix of ``keys``."""
        keys = tuple(keys)
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return self.lines.get((), 1)

    def error(self, message: str, *keys) -> SchemaError:
        return SchemaError(message, self.path, self.line(*keys))


class _ComplexKey(Exception):
    def __init__(self, line: int):
        self.line = line


class _DuplicateKey(Exception):
    def __init__(self, key: Any, first: int, second: int):
        self.key, self.first, self.second = key, first, second


def _construct(node: yaml.Node, key: Key, lines: dict[Key, int]) -> Any:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise _ComplexKey(knode.start_mark.line + 1)
            k = _scalar(knode)
            if k in out:  # PyYAML keeps the last value silently; a typo must not vanish
                raise _DuplicateKey(k, lines[key + (k,)], knode.start_mark.line + 1)
            lines[key + (k,)] = knode.start_mark.line + 1
            out[k] = _construct(vnode, key + (k,), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, key + (i,), lines) for i, v in enumerate(node.value)]
    return _scalar(node)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The C parser composes nodes with the same marks, about ten times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _scalar(node: yaml.Node) -> Any:
    value = _CONSTRUCTOR.construct_object(node, deep=True)
    _CONSTRUCTOR.constructed_objects.clear()
    return value


def parse_yaml(text: str, path: Path) -> YamlDoc:
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or "ongeldige YAML"
        raise SchemaError(f"geen geldige YAML ({reason})", path, line) from None
    except yaml.YAMLError as exc:  # pragma: no cover - rare non-marked errors
        raise SchemaError(f"geen geldige YAML ({exc})", path) from None
    lines: dict[Key, int] = {}
    try:
        data = _construct(root, (), lines) if root is not None else None
    except _ComplexKey as exc:
        raise SchemaError("sleutels moeten eenvoudige tekst zijn", path, exc.line) from None
    except _DuplicateKey as exc:
        raise SchemaError(f"sleutel '{exc.key}' staat twee keer in dezelfde mapping (regel "
                          f"{exc.first} en regel {exc.second}); de tweede zou de eerste "
                          f"stilletjes vervangen", path, exc.second) from None
    return YamlDoc(path=path, data=data, lines=lines)


def load_yaml(path: str | Path) -> YamlDoc:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("bestand ontbreekt", path) from None
    except OSError as exc:
        raise InputError(f"kan bestand niet lezen ({exc.strerror})", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("YAML moet UTF-8 zijn", path) from None
    return parse_yaml(text, path)


# --- a small schema checker -------------------------------------------------------------

_TYPE_NAMES = {
    str: "tekst",
    int: "een geheel getal",
    float: "een getal",
    bool: "ja/nee (true/false)",
    list: "een lijst",
    dict: "een mapping (sleutel: waarde)",
}


def _type_name(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " of ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def expect(doc: YamlDoc, value: Any, types, *keys, name: str | None = None) -> Any:
    """Check ``value`` (found at ``keys``) has one of ``types``; return it."""
    types = types if isinstance(types, tuple) else (types,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        label = name or (str(keys[-1]) if keys else "document")
        raise doc.error(f"'{label}' moet {_type_name(types)} zijn", *keys)
    return value


def get(doc: YamlDoc, mapping: dict, key: str, types, *where, required: bool = True,
        default: Any = None) -> Any:
    """Fetch ``mapping[key]`` with a type check; ``where`` is the key path of ``mapping``."""
    if key not in mapping or mapping[key] is None:
        if required:
            raise doc.error(f"verplicht veld '{key}' ontbreekt", *where)
        return default
    return expect(doc, mapping[key], types, *where, key, name=key)


def check_keys(doc: YamlDoc, mapping: dict, allowed: Iterable[str], *where) -> None:
    """Refuse unknown keys: a typo like 'cods' must not be silently ignored."""
    allowed = set(allowed)
    for key in mapping:
        if key not in allowed:
            hint = ", ".join(sorted(allowed))
            raise doc.error(f"onbekend veld '{key}' (toegestaan: {hint})", *where, key)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
