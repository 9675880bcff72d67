"""Reading user files safely and explaining what is wrong with them.

Shared by scenario, strategy and experiment files: YAML is parsed with PyYAML's safe loader
only, and pydantic's validation errors become one line that names the file, the dotted field
path, the bad value and what is allowed (with a "did you mean" for typos), and the fields of
any further problems.

Hostile files are refused before anything reads their content at length (issue 14): only
regular files (not directories, devices or pipes) of at most :data:`MAX_FILE_BYTES`; no
duplicate keys (YAML keeps the last silently, so a typo'd copy would win unseen); and no
document whose aliases expand to more than :data:`MAX_EXPANDED_NODES` nodes (a 400-byte
"billion laughs" file otherwise expands to 10^9 values when validated or printed).
"""

from __future__ import annotations

import difflib
import reprlib
import stat
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .fields import ScenarioError


#: The largest input file read (a scenario with 10,000 actors in 500 members is under 1 MB).
MAX_FILE_BYTES = 5_000_000
#: The most values a YAML document may expand to, aliases counted each time they are used.
MAX_EXPANDED_NODES = 1_000_000


class _Refused(Exception):
    """A document refused for its shape, not its syntax (the message says why)."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys and documents whose aliases expand too far."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return self.construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # '<<' merges a mapping in; its keys may be overridden, as YAML says
            key = self.construct_object(key_node, deep=True)
            try:
                if key in first_line:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {reprlib.repr(key)} (first on line {first_line[key]}); "
                                    "each key may appear once in a mapping", key_node.start_mark)
                first_line[key] = key_node.start_mark.line + 1
            except TypeError:
                continue  # an unhashable key: the base constructor reports it
        return super().construct_mapping(node, deep)


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases would expand it beyond :data:`MAX_EXPANDED_NODES` values,
    or that refers to itself; shared nodes are sized once (linear in the file, not its expansion)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise _Refused("an alias refers to a value that contains it (a recursive document)")
        open_nodes.add(id(node))
        children = ([part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode)
                    else node.value if isinstance(node, yaml.SequenceNode) else [])
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise _Refused(f"its aliases expand to more than {MAX_EXPANDED_NODES:,} values (an alias bomb?); "
                               "write the values out, or use fewer aliases")
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    size(root)


def _read_text(path: Path) -> str:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES`, or ScenarioError."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        raise ScenarioError(f"{reprlib.repr(str(path))}: cannot read file ({error.__class__.__name__})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, pipe or socket)"
        raise ScenarioError(f"{path}: {kind}; give a YAML file")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: {info.st_size:,} bytes; a file may hold at most {MAX_FILE_BYTES:,} bytes")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read file ({error.strerror or error.__class__.__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: a file may hold at most {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{path}: cannot read file (not UTF-8 text: {error.reason} at byte {error.start})") from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely (see the module's docstring for what is refused); errors name
    the file and line."""
    return parse_yaml(_read_text(path), path)


def parse_yaml(text: str, source: str | Path) -> Any:
    """Parse YAML text (a file's, or a value given on the command line) as :func:`read_yaml`
    does; errors name ``source`` and the line."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 -- a SafeLoader subclass
    except _Refused as error:
        raise ScenarioError(f"{source}: refused: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(f"{source}:{where}: malformed YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: YAML nested too deeply") from None


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``Model``, ``list[Model]`` or ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """Follow a location through the schema; return the model reached and the last field's info.

    List indices are skipped; a key that leaves the schema (a dict key, say) returns what was
    reached so far, which is the best description of what is allowed there.
    """
    model: type[BaseModel] | None = root
    info: FieldInfo | None = None
    for key in loc:
        if isinstance(key, int):
            continue
        if model is None or key not in model.model_fields:
            return None, info
        info = model.model_fields[key]
        model = _submodel(info.annotation)
    return model, info


def _constraints(info: FieldInfo | None) -> list[Any]:
    """Constraint objects of a field, including those inside ``Annotated[...] | None`` (member overrides)."""
    if info is None:
        return []
    found = list(info.metadata)
    for arg in get_args(info.annotation):
        found.extend(getattr(arg, "__metadata__", ()))
        for inner in getattr(arg, "__metadata__", ()):
            found.extend(getattr(inner, "metadata", ()))
    return found


def _allowed_range(info: FieldInfo | None, violated: dict[str, Any]) -> str:
    bounds: dict[str, Any] = dict(violated)
    for item in _constraints(info):
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            if getattr(item, attr, None) is not None:
                bounds[attr] = getattr(item, attr)
    if "min_length" in bounds or "max_length" in bounds:
        return f"between {bounds.get('min_length', 0)} and {bounds.get('max_length', 'any number of')} entries"
    low = f"[{bounds['ge']}" if "ge" in bounds else (f"({bounds['gt']}" if "gt" in bounds else "(-inf")
    high = f"{bounds['le']}]" if "le" in bounds else (f"{bounds['lt']})" if "lt" in bounds else "inf)")
    return f"{low}, {high}"


_SHORT = reprlib.Repr()  # keyword arguments need Python 3.12
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxlevel = 50, 50, 4, 4, 2


def _describe(value: Any) -> str:
    """A short repr: bounded in depth and width, so a large value is never expanded to print it."""
    text = _SHORT.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_union_tag(key: Any) -> bool:
    return isinstance(key, str) and ("[" in key or key.startswith(("constrained-", "function-")))


def format_validation_error(error: ValidationError, source: str | Path, root: type[BaseModel]) -> str:
    """Turn pydantic's errors into one line: the first problem, naming file, field, value and what
    is allowed, then the fields of any others (one line, as every user-facing error is)."""
    messages = []
    reported: set[tuple[Any, ...]] = set()
    fields: list[str] = []
    for item in error.errors(include_url=False):
        # Drop pydantic's names for union alternatives ("constrained-int", "function-after[...]")
        # and report one problem per field: the first alternative's is the plainest.
        # An unknown field's last part is the user's key, whatever it looks like ("[" too).
        raw, key = (item["loc"][:-1], item["loc"][-1:]) if item["type"] == "extra_forbidden" else (item["loc"], ())
        loc = tuple(k for k in raw if not _is_union_tag(k)) + key
        if loc in reported:
            continue
        reported.add(loc)
        dotted = ".".join(str(k) for k in loc) or "(top level)"
        fields.append(dotted)
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            parent = ".".join(str(k) for k in loc[:-1]) or "top level"
            owner, _ = _walk(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
            messages.append(f"unknown field '{loc[-1]}' in {source} at {parent}{hint}")
        elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                      "too_short", "too_long"}:
            _, info = _walk(root, loc)
            allowed = _allowed_range(info, item.get("ctx", {}))
            messages.append(f"{source}: {dotted} = {_describe(value)} is out of range; allowed: {allowed}")
        elif kind == "finite_number":
            messages.append(f"{source}: {dotted} = {_describe(value)} must be a finite number")
        elif kind == "missing":
            messages.append(f"{source}: {dotted} is required but missing")
        elif kind == "literal_error":
            messages.append(f"{source}: {dotted} = {_describe(value)} is not allowed; "
                            f"allowed: {item.get('ctx', {}).get('expected', '')}")
        elif kind == "value_error":
            messages.append(f"{source}: {item['msg'].removeprefix('Value error, ')}")
        else:
            messages.append(f"{source}: {dotted} = {_describe(value)}: {item['msg']}")
    # An unknown field first: a misspelt required key is also "missing", and the typo is the news.
    order = sorted(range(len(messages)), key=lambda k: not messages[k].startswith("unknown field"))
    others = [fields[k] for k in order[1:]]
    if not others:
        return messages[order[0]]
    named = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    return f"{messages[order[0]]} (and {len(others)} more problem{'s' if len(others) > 1 else ''}: {named})"


Validated = TypeVar("Validated", bound=BaseModel)


def load_validated(path: Path, schema: type[Validated], needs: str) -> Validated:
    """Read a YAML file that must be a mapping and validate it; ``needs`` says what it must hold."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: must be a mapping with {needs}")
    try:
        return schema.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(format_validation_error(error, path, schema)) from None
