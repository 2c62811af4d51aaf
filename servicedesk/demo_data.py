"""Reading the demo's data files: TOML tables as typed records, and Markdown files for long texts.

Every app's demo reads its files through ``read_demo_data``, so that a typo in a file stops the demo with an
error that names the file and the key (docs/decisions/0015-demo-data-as-data.md).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import tomllib
import types
from pathlib import Path
from typing import Any, Literal, NewType, Union, get_args, get_origin, get_type_hints

# A field written in the file as the name of a Markdown file beside it; the record holds the file's text.
MarkdownFile = NewType("MarkdownFile", str)

ROOT = Path(__file__).resolve().parent.parent
_KINDS = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    float: "a number",
    dict: "a table",
    list: "an array",
    datetime.time: "a time (hh:mm:ss)",
}


class DemoDataError(ValueError):
    """A demo data file does not hold what its reader expects; the message names the file and the key."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        try:
            name = path.resolve().relative_to(ROOT)
        except ValueError:
            name = path
        self.problem = problem
        super().__init__(f"{name}: {where}: {problem}" if where else f"{name}: {problem}")


def read_demo_data[T](path: Path, shape: type[T]) -> T:
    """The TOML file at ``path`` as an instance of the dataclass ``shape``; raises ``DemoDataError``.

    Read by the type hints of ``shape``: a table becomes a dataclass (an unknown or missing key is an error),
    an array a tuple, a choice (an ``Enum`` such as Django's ``Choices``) is written by its stored value or
    its name, a ``Literal`` by one of its values, and a ``MarkdownFile`` by the name of the file to read.
    """
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DemoDataError(path, "", str(error)) from error
    return _Reader(path).read(document, shape, "")


def show(value: Any) -> str:
    """A value as the file writes it: ``true``, ``"text"``, ``["a", "b"]``, ``3``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return f"[{', '.join(show(item) for item in value)}]"
    return f'"{value}"' if isinstance(value, str) else repr(value)


@functools.cache
def _hints(shape: type) -> dict[str, Any]:
    return get_type_hints(shape)


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, value: Any, hint: Any, where: str) -> Any:
        origin, args = get_origin(hint), get_args(hint)
        if hint is Any:
            return value
        if hint is MarkdownFile:
            return self._markdown(value, where)
        if dataclasses.is_dataclass(hint):
            return self._record(value, hint, where)
        if origin in (Union, types.UnionType):
            return self._either(value, [arm for arm in args if arm is not type(None)], where)
        if origin is Literal:
            if value not in args or isinstance(value, bool):
                raise self._error(where, f"{show(value)} is not one of {', '.join(show(arg) for arg in args)}")
            return value
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self._choice(value, hint, where)
        if origin is tuple:
            items = self._expect(value, list, where)
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.read(item, args[0], self._at(where, n, item)) for n, item in enumerate(items))
            if len(items) != len(args):
                raise self._error(where, f"expected {len(args)} values, found {len(items)}")
            pairs = enumerate(zip(items, args, strict=True))
            return tuple(self.read(item, arm, f"{where}[{n}]") for n, (item, arm) in pairs)
        if origin is dict:
            table = self._expect(value, dict, where)
            return {
                self._dict_key(key, args[0], where): self.read(item, args[1], self._key(where, key))
                for key, item in table.items()
            }
        if hint is float:
            return float(self._expect(value, (int, float), where))
        if hint in _KINDS:
            return self._expect(value, hint, where)
        raise TypeError(f"read_demo_data cannot read {hint!r} ({where})")

    def _record(self, value: Any, shape: type, where: str) -> Any:
        table = self._expect(value, dict, where)
        fields = {field.name: field for field in dataclasses.fields(shape) if field.init}
        for key in table:
            if key not in fields:
                raise self._error(self._key(where, key), f"unknown key (expected one of: {', '.join(fields)})")
        for name, field in fields.items():
            required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
            if required and name not in table:
                raise self._error(self._key(where, name), "missing")
        hints = _hints(shape)
        return shape(**{key: self.read(item, hints[key], self._key(where, key)) for key, item in table.items()})

    def _either(self, value: Any, arms: list[Any], where: str) -> Any:
        errors = []
        for arm in arms:
            try:
                return self.read(value, arm, where)
            except DemoDataError as error:
                errors.append(error)
        if len(errors) == 1:
            raise errors[0]
        raise self._error(where, "; or ".join(error.problem for error in errors))

    def _dict_key(self, key: str, hint: Any, where: str) -> Any:
        if hint is int:
            if not key.lstrip("-").isdigit():
                raise self._error(self._key(where, key), "expected an integer as the key")
            return int(key)
        return key if hint is str else self.read(key, hint, self._key(where, key))

    def _choice(self, value: Any, choices: type[enum.Enum], where: str) -> enum.Enum:
        if not isinstance(value, bool):
            for member in choices:
                if value == member.value or (isinstance(value, str) and value.upper() == member.name):
                    return member
        names = ", ".join(str(m.value) if isinstance(m.value, str) else m.name.lower() for m in choices)
        raise self._error(where, f"{show(value)} is none of the {choices.__name__} choices: {names}")

    def _markdown(self, value: Any, where: str) -> str:
        name = self._expect(value, str, where)
        path = self.path.parent / name
        if path.suffix != ".md" or not path.is_file():
            raise self._error(where, f"no Markdown file {name!r} beside the data file")
        return path.read_text(encoding="utf-8").strip() + "\n"

    def _expect(self, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            return value
        found = next((name for python, name in _KINDS.items() if isinstance(value, python)), type(value).__name__)
        raise self._error(where, f"expected {' or '.join(_KINDS[k] for k in kinds)}, found {found}")

    def _error(self, where: str, problem: str) -> DemoDataError:
        return DemoDataError(self.path, where, problem)

    @staticmethod
    def _key(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    @staticmethod
    def _at(where: str, index: int, item: Any) -> str:
        """``known_error[3] ("VPN disconnects every hour")``: the index and, when the item has one, its name."""
        keys = ("title", "name", "key", "topic", "summary")
        label = next((item[key] for key in keys if isinstance(item, dict) and key in item), None)
        return f'{where}[{index}] ("{label}")' if isinstance(label, str) else f"{where}[{index}]"
