"""Reading user files safely and explaining what is wrong with them.

Shared by scenario, strategy and experiment files: YAML is parsed with ``yaml.safe_load``
only, and pydantic's validation errors become one line per problem that names the file, the
dotted field path, the bad value and what is allowed (with a "did you mean" for typos).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from .fields import ScenarioError


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read file ({error})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ScenarioError(f"{path}:{where}: malformed YAML: {problem}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: YAML nested too deeply") from None


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


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_union_tag(key: Any) -> bool:
    return isinstance(key, str) and ("[" in key or key.startswith(("constrained-", "function-")))


def format_validation_error(error: ValidationError, source: str | Path, root: type[BaseModel]) -> str:
    """Turn pydantic's errors into one line per problem, naming file, field, value and what is allowed."""
    lines = []
    reported: set[tuple[Any, ...]] = set()
    for item in error.errors(include_url=False):
        # Drop pydantic's names for union alternatives ("constrained-int", "function-after[...]")
        # and report one problem per field: the first alternative's is the plainest.
        loc = tuple(k for k in item["loc"] if not _is_union_tag(k))
        if loc in reported:
            continue
        reported.add(loc)
        dotted = ".".join(str(k) for k in loc) or "(top level)"
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            parent = ".".join(str(k) for k in loc[:-1]) or "top level"
            owner, _ = _walk(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
            lines.append(f"unknown field '{loc[-1]}' in {source} at {parent}{hint}")
        elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                      "too_short", "too_long"}:
            _, info = _walk(root, loc)
            allowed = _allowed_range(info, item.get("ctx", {}))
            lines.append(f"{source}: {dotted} = {_describe(value)} is out of range; allowed: {allowed}")
        elif kind == "finite_number":
            lines.append(f"{source}: {dotted} = {_describe(value)} must be a finite number")
        elif kind == "missing":
            lines.append(f"{source}: {dotted} is required but missing")
        elif kind == "literal_error":
            lines.append(f"{source}: {dotted} = {_describe(value)} is not allowed; "
                         f"allowed: {item.get('ctx', {}).get('expected', '')}")
        elif kind == "value_error":
            lines.append(f"{source}: {item['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"{source}: {dotted} = {_describe(value)}: {item['msg']}")
    return "\n".join(lines)


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
