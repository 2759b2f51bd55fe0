"""Payload validation that mirrors the limits real Discord enforces.

Every ``check_*`` function appends ``(path, code, message)`` tuples to an
``errors`` list; :func:`form_errors` turns them into Discord's nested
``{"code": 50035, "errors": {...}}`` structure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

ErrorList = list[tuple[Sequence[Any], str, str]]

COMMAND_NAME_RE = re.compile(r"^[-_a-z0-9]{1,32}$")

# component types
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR = 9, 10, 11, 12, 13, 14
CONTAINER, LABEL, FILE_UPLOAD = 17, 18, 19
SELECT_TYPES = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
INTERACTIVE_TYPES = SELECT_TYPES | {BUTTON, TEXT_INPUT, FILE_UPLOAD}

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_IS_COMPONENTS_V2 = 1 << 15


def form_errors(errors: ErrorList) -> dict[str, Any]:
    """Build Discord's nested ``errors`` object from flat ``(path, code, message)`` tuples."""
    root: dict[str, Any] = {}
    for path, code, message in errors:
        node = root
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return root


def _maxlen(errors: ErrorList, path: Sequence[Any], value: Any, limit: int, minimum: int = 0) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        errors.append((path, "BASE_TYPE_STRING", "Must be a string."))
        return
    if len(value) > limit:
        errors.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
    elif len(value) < minimum:
        errors.append((path, "BASE_TYPE_MIN_LENGTH", f"Must be {minimum} or more in length."))


# --------------------------------------------------------------------------- messages


def embed_chars(embed: dict[str, Any]) -> int:
    """Characters of an embed that count toward Discord's 6000 total."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_embeds(embeds: Any, errors: ErrorList, prefix: Sequence[Any] = ()) -> None:
    """Validate an ``embeds`` array (count, per-field limits, 6000 total)."""
    if embeds is None:
        return
    if not isinstance(embeds, list):
        errors.append(((*prefix, "embeds"), "BASE_TYPE_ARRAY", "Must be an array."))
        return
    if len(embeds) > 10:
        errors.append(((*prefix, "embeds"), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        p = (*prefix, "embeds", i)
        if not isinstance(embed, dict):
            errors.append((p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
            continue
        _maxlen(errors, (*p, "title"), embed.get("title"), 256)
        _maxlen(errors, (*p, "description"), embed.get("description"), 4096)
        color = embed.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            errors.append(((*p, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0."))
        fields = embed.get("fields") or []
        if len(fields) > 25:
            errors.append(((*p, "fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for j, field in enumerate(fields):
            fp = (*p, "fields", j)
            for key, limit in (("name", 256), ("value", 1024)):
                val = field.get(key)
                if val is None or val == "":
                    errors.append(((*fp, key), "BASE_TYPE_REQUIRED", "This field is required"))
                else:
                    _maxlen(errors, (*fp, key), val, limit)
        footer = embed.get("footer")
        if footer:
            _maxlen(errors, (*p, "footer", "text"), footer.get("text"), 2048)
        author = embed.get("author")
        if author:
            _maxlen(errors, (*p, "author", "name"), author.get("name"), 256)
        total += embed_chars(embed)
    if total > 6000:
        errors.append(((*prefix, "embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))


def _walk_components(components: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = list(components or [])
    while stack:
        c = stack.pop(0)
        if not isinstance(c, dict):
            continue
        out.append(c)
        stack.extend(c.get("components") or [])
        if isinstance(c.get("accessory"), dict):
            stack.append(c["accessory"])
        if isinstance(c.get("component"), dict):
            stack.append(c["component"])
    return out


def walk_components(components: Any) -> list[dict[str, Any]]:
    """Flatten a (possibly nested) component tree, depth-first-ish order."""
    return _walk_components(components)


def _check_button(c: dict[str, Any], errors: ErrorList, p: Sequence[Any]) -> None:
    style = c.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errors.append(((*p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."))
    if style == 5:
        if not c.get("url"):
            errors.append(((*p, "url"), "BASE_TYPE_REQUIRED", "This field is required"))
        if c.get("custom_id") is not None:
            errors.append(
                (
                    (*p, "custom_id"),
                    "COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                    "A link button cannot have a custom_id",
                )
            )
    elif style == 6:
        if not c.get("sku_id"):
            errors.append(((*p, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    else:
        if not c.get("custom_id"):
            errors.append(((*p, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
        if c.get("url") is not None:
            errors.append(((*p, "url"), "COMPONENT_URL_NOT_ALLOWED", "A non-link button cannot have a url"))
    _maxlen(errors, (*p, "label"), c.get("label"), 80)
    if style != 6 and not c.get("label") and not c.get("emoji"):
        errors.append(((*p, "label"), "BUTTON_COMPONENT_INVALID", "A button must have a label or an emoji"))


def _check_select(c: dict[str, Any], errors: ErrorList, p: Sequence[Any], in_modal: bool = False) -> None:
    if not c.get("custom_id"):
        errors.append(((*p, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    _maxlen(errors, (*p, "placeholder"), c.get("placeholder"), 150)
    min_v, max_v = c.get("min_values", 1), c.get("max_values", 1)
    if min_v is not None and not 0 <= min_v <= 25:
        errors.append(((*p, "min_values"), "NUMBER_TYPE_MAX", "int value should be <= 25 and >= 0."))
    if max_v is not None and not 1 <= max_v <= 25:
        errors.append(((*p, "max_values"), "NUMBER_TYPE_MAX", "int value should be <= 25 and >= 1."))
    if c.get("type") == STRING_SELECT:
        options = c.get("options") or []
        if not options:
            errors.append(((*p, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
        if len(options) > 25:
            errors.append(((*p, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        seen = set()
        for k, opt in enumerate(options):
            op = (*p, "options", k)
            _maxlen(errors, (*op, "label"), opt.get("label"), 100, 1)
            _maxlen(errors, (*op, "value"), opt.get("value"), 100, 1)
            _maxlen(errors, (*op, "description"), opt.get("description"), 100)
            if opt.get("value") in seen:
                errors.append(
                    (
                        (*op, "value"),
                        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                        "Select option values must be unique",
                    )
                )
            seen.add(opt.get("value"))
        if max_v is not None and options and max_v > len(options):
            errors.append(((*p, "max_values"), "BASE_TYPE_MAX", f"Must be less than or equal to {len(options)}."))


def _check_text_input(c: dict[str, Any], errors: ErrorList, p: Sequence[Any], in_label: bool) -> None:
    if not c.get("custom_id"):
        errors.append(((*p, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    if c.get("style") not in (1, 2):
        errors.append(((*p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}."))
    if in_label:
        if c.get("label") is not None:
            errors.append(
                (
                    (*p, "label"),
                    "TEXT_INPUT_LABEL_NOT_ALLOWED",
                    "label is not allowed inside a Label component",
                )
            )
    else:
        if not c.get("label"):
            errors.append(((*p, "label"), "BASE_TYPE_REQUIRED", "This field is required"))
        _maxlen(errors, (*p, "label"), c.get("label"), 45)
    _maxlen(errors, (*p, "placeholder"), c.get("placeholder"), 100)
    mn, mx = c.get("min_length"), c.get("max_length")
    if mn is not None and not 0 <= mn <= 4000:
        errors.append(((*p, "min_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000 and >= 0."))
    if mx is not None and not 1 <= mx <= 4000:
        errors.append(((*p, "max_length"), "NUMBER_TYPE_MAX", "int value should be <= 4000 and >= 1."))
    value = c.get("value")
    if value is not None:
        limit = min(mx, 4000) if isinstance(mx, int) else 4000
        _maxlen(errors, (*p, "value"), value, limit)


def check_message_components(components: Any, flags: int, errors: ErrorList, prefix: Sequence[Any] = ()) -> None:
    """Validate message components (classic action rows or Components V2)."""
    if components is None:
        return
    if not isinstance(components, list):
        errors.append(((*prefix, "components"), "BASE_TYPE_ARRAY", "Must be an array."))
        return
    v2 = bool(flags & FLAG_IS_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        errors.append(((*prefix, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
    if v2 and len(_walk_components(components)) > 40:
        errors.append(((*prefix, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer total components."))

    def check_row(row: dict[str, Any], p: Sequence[Any]) -> None:
        children = row.get("components") or []
        if not children:
            errors.append(((*p, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
        buttons = [c for c in children if c.get("type") == BUTTON]
        selects = [c for c in children if c.get("type") in SELECT_TYPES]
        if len(buttons) > 5:
            errors.append(((*p, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
        if selects and len(children) > 1:
            errors.append(
                (
                    (*p, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
            )
        for k, child in enumerate(children):
            check(child, (*p, "components", k))

    def check(c: dict[str, Any], p: Sequence[Any]) -> None:
        t = c.get("type")
        if t == ACTION_ROW:
            check_row(c, p)
        elif t == BUTTON:
            _check_button(c, errors, p)
        elif t in SELECT_TYPES:
            _check_select(c, errors, p)
        elif t == TEXT_INPUT or t == LABEL:
            errors.append(((*p, "type"), "COMPONENT_TYPE_INVALID", f"Component type {t} is only allowed in modals"))
        elif t in (SECTION, CONTAINER):
            if not v2:
                errors.append(
                    (
                        (*p, "type"),
                        "COMPONENT_TYPE_INVALID",
                        "Components V2 component without IS_COMPONENTS_V2 flag",
                    )
                )
            for k, child in enumerate(c.get("components") or []):
                check(child, (*p, "components", k))
            if isinstance(c.get("accessory"), dict):
                check(c["accessory"], (*p, "accessory"))
        elif t == TEXT_DISPLAY:
            if not v2:
                errors.append(
                    (
                        (*p, "type"),
                        "COMPONENT_TYPE_INVALID",
                        "Components V2 component without IS_COMPONENTS_V2 flag",
                    )
                )
            _maxlen(errors, (*p, "content"), c.get("content"), 4000, 1)
        elif t in (THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR):
            if not v2:
                errors.append(
                    (
                        (*p, "type"),
                        "COMPONENT_TYPE_INVALID",
                        "Components V2 component without IS_COMPONENTS_V2 flag",
                    )
                )
        else:
            errors.append(((*p, "type"), "BASE_TYPE_CHOICES", f"Unknown component type {t}"))
        cid = c.get("custom_id")
        if cid is not None:
            _maxlen(errors, (*p, "custom_id"), cid, 100, 1)

    for i, comp in enumerate(components):
        p = (*prefix, "components", i)
        if not isinstance(comp, dict):
            errors.append((p, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
            continue
        if not v2 and comp.get("type") != ACTION_ROW:
            errors.append(((*p, "type"), "UNION_TYPE_CHOICES", 'Value of field "type" must be one of (1,).'))
            continue
        check(comp, p)

    seen: dict[str, int] = {}
    for c in _walk_components(components):
        cid = c.get("custom_id")
        if cid is None:
            continue
        if cid in seen:
            errors.append(
                (
                    (*prefix, "components"),
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    f"Component custom id cannot be duplicated ({cid!r})",
                )
            )
        seen[cid] = 1


def check_allowed_mentions(am: Any, errors: ErrorList, prefix: Sequence[Any] = ()) -> None:
    """Validate ``allowed_mentions`` (parse values, exclusivity, list lengths)."""
    if am is None:
        return
    p = (*prefix, "allowed_mentions")
    parse = am.get("parse") or []
    for k, v in enumerate(parse):
        if v not in ("users", "roles", "everyone"):
            errors.append(
                (
                    (*p, "parse", k),
                    "BASE_TYPE_CHOICES",
                    "Value must be one of ('roles', 'users', 'everyone').",
                )
            )
    for key in ("users", "roles"):
        lst = am.get(key) or []
        if lst and key in parse:
            errors.append(
                (
                    (*p, "parse"),
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
                )
            )
        if len(lst) > 100:
            errors.append(((*p, key), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."))


def check_message(body: dict[str, Any], errors: ErrorList, prefix: Sequence[Any] = ()) -> None:
    """Validate a message create/edit body (content, embeds, components, nonce, mentions)."""
    _maxlen(errors, (*prefix, "content"), body.get("content"), 2000)
    check_embeds(body.get("embeds"), errors, prefix)
    flags = body.get("flags") or 0
    check_message_components(body.get("components"), flags, errors, prefix)
    if flags & FLAG_IS_COMPONENTS_V2:
        if body.get("content"):
            errors.append(
                (
                    (*prefix, "content"),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
            )
        if body.get("embeds"):
            errors.append(
                (
                    (*prefix, "embeds"),
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    "The 'embeds' field cannot be used when using MessageFlags.IS_COMPONENTS_V2",
                )
            )
    for i, att in enumerate(body.get("attachments") or []):
        if isinstance(att, dict):  # alt text: "description" ≤ 1024 (API docs, Attachment Object)
            _maxlen(errors, (*prefix, "attachments", i, "description"), att.get("description"), 1024)
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > 25:
        errors.append(((*prefix, "nonce"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    check_allowed_mentions(body.get("allowed_mentions"), errors, prefix)


def message_is_empty(msg: dict[str, Any]) -> bool:
    """True when a (merged) message has nothing Discord would render."""
    return not (
        msg.get("content")
        or msg.get("embeds")
        or msg.get("components")
        or msg.get("attachments")
        or msg.get("sticker_ids")
        or msg.get("poll")
    )


# --------------------------------------------------------------------------- modals / autocomplete


def check_modal(data: Any, errors: ErrorList, prefix: Sequence[Any] = ("data",)) -> None:
    """Validate a modal callback (type 9) ``data`` object."""
    if not isinstance(data, dict):
        errors.append((prefix, "BASE_TYPE_REQUIRED", "This field is required"))
        return
    _maxlen(errors, (*prefix, "title"), data.get("title"), 45, 1)
    if not data.get("title"):
        errors.append(((*prefix, "title"), "BASE_TYPE_REQUIRED", "This field is required"))
    cid = data.get("custom_id")
    if not cid:
        errors.append(((*prefix, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    else:
        _maxlen(errors, (*prefix, "custom_id"), cid, 100)
    comps = data.get("components") or []
    if not comps:
        errors.append(((*prefix, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
    if len(comps) > 5:
        errors.append(((*prefix, "components"), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
    seen = set()
    for i, comp in enumerate(comps):
        p = (*prefix, "components", i)
        t = comp.get("type")
        if t == ACTION_ROW:
            children = comp.get("components") or []
            if len(children) != 1:
                errors.append(((*p, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 1 in length."))
            for k, child in enumerate(children):
                cp = (*p, "components", k)
                if child.get("type") == TEXT_INPUT:
                    _check_text_input(child, errors, cp, in_label=False)
                elif child.get("type") in SELECT_TYPES:
                    _check_select(child, errors, cp, in_modal=True)
                else:
                    errors.append(((*cp, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type for a modal"))
        elif t == LABEL:
            _maxlen(errors, (*p, "label"), comp.get("label"), 45, 1)
            if not comp.get("label"):
                errors.append(((*p, "label"), "BASE_TYPE_REQUIRED", "This field is required"))
            _maxlen(errors, (*p, "description"), comp.get("description"), 100)
            child = comp.get("component")
            if not isinstance(child, dict):
                errors.append(((*p, "component"), "BASE_TYPE_REQUIRED", "This field is required"))
                continue
            cp = (*p, "component")
            if child.get("type") == TEXT_INPUT:
                _check_text_input(child, errors, cp, in_label=True)
            elif child.get("type") in SELECT_TYPES:
                _check_select(child, errors, cp, in_modal=True)
            elif child.get("type") == FILE_UPLOAD:
                if not child.get("custom_id"):
                    errors.append(((*cp, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
            else:
                errors.append(((*cp, "type"), "COMPONENT_TYPE_INVALID", "Invalid component type for a label"))
        elif t == TEXT_DISPLAY:
            _maxlen(errors, (*p, "content"), comp.get("content"), 4000, 1)
        else:
            errors.append(((*p, "type"), "COMPONENT_TYPE_INVALID", f"Component type {t} is not allowed in modals"))
    for c in _walk_components(comps):
        if c.get("custom_id") is not None:
            if c["custom_id"] in seen:
                errors.append(
                    (
                        (*prefix, "components"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(c["custom_id"])


def check_autocomplete(data: Any, errors: ErrorList, prefix: Sequence[Any] = ("data",)) -> None:
    """Validate an autocomplete result (type 8) ``data`` object."""
    choices = (data or {}).get("choices")
    if choices is None:
        errors.append(((*prefix, "choices"), "BASE_TYPE_REQUIRED", "This field is required"))
        return
    if len(choices) > 25:
        errors.append(((*prefix, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    for i, ch in enumerate(choices):
        p = (*prefix, "choices", i)
        _maxlen(errors, (*p, "name"), ch.get("name"), 100, 1)
        if ch.get("name") is None:
            errors.append(((*p, "name"), "BASE_TYPE_REQUIRED", "This field is required"))
        val = ch.get("value")
        if val is None:
            errors.append(((*p, "value"), "BASE_TYPE_REQUIRED", "This field is required"))
        elif isinstance(val, str):
            _maxlen(errors, (*p, "value"), val, 100)


# --------------------------------------------------------------------------- application commands


def _check_options(options: Any, errors: ErrorList, p: Sequence[Any], depth: int) -> None:
    if options is None:
        return
    if len(options) > 25:
        errors.append(((*p, "options"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    names = set()
    seen_optional = False
    kinds = set()
    for i, opt in enumerate(options):
        op = (*p, "options", i)
        t = opt.get("type")
        name = opt.get("name")
        if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
            errors.append(((*op, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        if name in names:
            errors.append(
                (
                    (*op, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            )
        names.add(name)
        desc = opt.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            errors.append(((*op, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
        if t not in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11):
            errors.append(((*op, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1..11}."))
            continue
        kinds.add("sub" if t in (1, 2) else "value")
        if t in (1, 2):
            if t == 2 and depth > 0:
                errors.append(
                    (
                        (*op, "type"),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "Subcommand groups cannot be nested",
                    )
                )
            if t == 1 and depth > 1:
                errors.append(((*op, "type"), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Subcommands nested too deep"))
            _check_options(opt.get("options"), errors, op, depth + 1)
            continue
        required = bool(opt.get("required", False))
        if required and seen_optional:
            errors.append(
                (
                    (*op, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            )
        if not required:
            seen_optional = True
        choices = opt.get("choices")
        if choices:
            if t not in (3, 4, 10):
                errors.append(
                    (
                        (*op, "choices"),
                        "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                        "Choices only allowed for STRING/INTEGER/NUMBER",
                    )
                )
            if opt.get("autocomplete"):
                errors.append(
                    (
                        (*op, "autocomplete"),
                        "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                        "Autocomplete cannot be used with choices",
                    )
                )
            if len(choices) > 25:
                errors.append(((*op, "choices"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
            for k, ch in enumerate(choices):
                cp = (*op, "choices", k)
                _maxlen(errors, (*cp, "name"), ch.get("name"), 100, 1)
                if isinstance(ch.get("value"), str):
                    _maxlen(errors, (*cp, "value"), ch.get("value"), 100, 1)
        if opt.get("autocomplete") and t not in (3, 4, 10):
            errors.append(
                (
                    (*op, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete only allowed for STRING/INTEGER/NUMBER",
                )
            )
        for key in ("min_length", "max_length"):
            v = opt.get(key)
            if v is not None and not 0 <= v <= 6000:
                errors.append(((*op, key), "NUMBER_TYPE_MAX", "int value should be <= 6000 and >= 0."))
    if len(kinds) > 1:
        errors.append(
            (
                (*p, "options"),
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                "Subcommands and subcommand groups cannot be mixed with other option types",
            )
        )


def check_command(cmd: Any, errors: ErrorList, prefix: Sequence[Any] = ()) -> None:
    """Validate one application command create payload."""
    if not isinstance(cmd, dict):
        errors.append((prefix, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return
    t = cmd.get("type", 1)
    name = cmd.get("name")
    if t == 1:
        if not isinstance(name, str) or not COMMAND_NAME_RE.match(name):
            errors.append(((*prefix, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        desc = cmd.get("description")
        if not isinstance(desc, str) or not 1 <= len(desc) <= 100:
            errors.append(((*prefix, "description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
        _check_options(cmd.get("options"), errors, prefix, 0)
    elif t in (2, 3, 4):
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors.append(((*prefix, "name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."))
        if cmd.get("description"):
            errors.append(
                (
                    (*prefix, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have a description",
                )
            )
        if cmd.get("options"):
            errors.append(
                (
                    (*prefix, "options"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS",
                    "Context menu commands cannot have options",
                )
            )
    else:
        errors.append(((*prefix, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}."))


def check_command_list(cmds: Any, errors: ErrorList) -> None:
    """Validate a bulk-overwrite list (per-command rules, duplicates, count limits)."""
    if not isinstance(cmds, list):
        errors.append(((), "BASE_TYPE_ARRAY", "Must be an array."))
        return
    seen = set()
    counts: dict[int, int] = {}
    for i, cmd in enumerate(cmds):
        check_command(cmd, errors, (i,))
        if not isinstance(cmd, dict):
            continue
        key = (cmd.get("type", 1), cmd.get("name"))
        if key in seen:
            errors.append(
                (
                    (i, "name"),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {key[1]}",
                )
            )
        seen.add(key)
        counts[key[0]] = counts.get(key[0], 0) + 1
    if counts.get(1, 0) > 100:
        errors.append(((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer chat input commands."))
    for t in (2, 3):
        if counts.get(t, 0) > 15:
            errors.append(((), "BASE_TYPE_MAX_LENGTH", "Must be 15 or fewer context menu commands of each type."))
