"""The parts of the template and export JSON Schemas that come from the registry, never by hand."""

from __future__ import annotations

from typing import Any

from server.kinds import REGISTRY


def template_kinds() -> list[str]:
    """server/draaiboek/schema.json: $defs.activity.properties.kind.enum."""
    return list(REGISTRY)


def export_parts() -> dict[str, Any]:
    """server/services/export_schema.json: the kinds, each kind's payload, and which goes with which."""
    return {
        "enum": list(REGISTRY),
        "payloads": {name: dict(kind.payload_schema) for name, kind in REGISTRY.items()},
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": name}}},
                "then": {
                    "properties": {
                        "answers": {
                            "items": {"properties": {"payload": {"$ref": f"#/$defs/payloads/{name}"}}}
                        }
                    }
                },
            }
            for name in REGISTRY
        ],
    }


def apply(template: dict[str, Any], export: dict[str, Any]) -> None:
    """Put the generated parts into the two schemas (loaded as dicts; the caller writes them)."""
    template["$defs"]["activity"]["properties"]["kind"]["enum"] = template_kinds()
    parts = export_parts()
    activity = export["$defs"]["activity"]
    activity["properties"]["kind"]["enum"] = parts["enum"]
    activity["allOf"] = parts["allOf"]
    export["$defs"]["payloads"] = parts["payloads"]
