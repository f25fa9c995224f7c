"""Draaiboek templates: a facilitator's run sheet as a YAML file (format kring-draaiboek/1)."""

from server.draaiboek.loader import builtin_names, fill, json_schema, load_builtin, load_file, parse, to_yaml
from server.draaiboek.model import FORMAT, ActivitySpec, BlockSpec, Placeholder, Template, TemplateError

__all__ = [
    "FORMAT",
    "ActivitySpec",
    "BlockSpec",
    "Placeholder",
    "Template",
    "TemplateError",
    "builtin_names",
    "fill",
    "json_schema",
    "load_builtin",
    "load_file",
    "parse",
    "to_yaml",
]
