"""Evaluation of suricata-verify `filter` checks against EVE records.

Owned by tests/compat (the compatibility runner, run_compat.py, is the only
caller).  It implements the field-matching language of suricata-verify's
test.yaml files, as used by the tests in ../shared/data/suricata-verify:

  match:
    event_type: alert                 plain equality (Python ==, like the suite)
    alert.signature_id: 1             dotted path into nested objects
    vlan[0]: 3136                     list index, `name[i]`
    alert.metadata.tag.__len: 3       length of a list/string/object (-1 if none)
    http.url.__find: "x"              substring of a string value
    http.url.__startswith / __endswith
    ftp.reply.__contains: "y"         membership in a list (or substring)
    flow.age.__gt / __gte / __lt / __lte: 0    numeric comparisons
    has-key: alert.rule               the path resolves to a non-null value
    not-has-key: flow                 the path is absent (or null)

A missing path reads as None, as in the suite's own runner, so
`field: null` matches a record without that field.
"""

import re

_INDEX_RE = re.compile(r"^(.*?)((?:\[\d+\])+)$")
_INDEX_PART_RE = re.compile(r"\[(\d+)\]")

STRING_OPERATORS = ("__find", "__startswith", "__endswith", "__contains")
NUMERIC_OPERATORS = ("__gt", "__gte", "__lt", "__lte")


def find_value(path, obj):
    """Resolve a dotted path such as `alert.metadata.tag[0]` in `obj`.

    Returns None when any step is missing.  A `__len` step returns the
    length of the value reached so far (-1 when it has none).
    """
    current = obj
    for part in path.split("."):
        if part == "__len":
            try:
                return len(current)
            except TypeError:
                return -1
        indexes = []
        m = _INDEX_RE.match(part)
        if m:
            part = m.group(1)
            indexes = [int(i) for i in _INDEX_PART_RE.findall(m.group(2))]
        if part:
            if not isinstance(current, dict) or part not in current:
                return None
            current = current[part]
        for index in indexes:
            if not isinstance(current, list) or index >= len(current):
                return None
            current = current[index]
    return current


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _match_operator(operator, value, expected):
    if operator == "__find":
        return isinstance(value, str) and str(expected) in value
    if operator == "__startswith":
        return isinstance(value, str) and value.startswith(str(expected))
    if operator == "__endswith":
        return isinstance(value, str) and value.endswith(str(expected))
    if operator == "__contains":
        if isinstance(value, (list, dict)):
            return expected in value
        return isinstance(value, str) and str(expected) in value
    if not (_is_number(value) and _is_number(expected)):
        return False
    if operator == "__gt":
        return value > expected
    if operator == "__gte":
        return value >= expected
    if operator == "__lt":
        return value < expected
    return value <= expected


def _key_paths(expected):
    """has-key / not-has-key take one path or a list of paths."""
    if isinstance(expected, list):
        return [str(p) for p in expected]
    return [str(expected)]


def record_matches(match, record):
    """True when `record` (one EVE object) satisfies every field of `match`."""
    for key, expected in match.items():
        if key == "has-key":
            if any(find_value(p, record) is None for p in _key_paths(expected)):
                return False
            continue
        if key == "not-has-key":
            if any(find_value(p, record) is not None for p in _key_paths(expected)):
                return False
            continue
        head, _, last = key.rpartition(".")
        if head and last in STRING_OPERATORS + NUMERIC_OPERATORS:
            if not _match_operator(last, find_value(head, record), expected):
                return False
            continue
        if find_value(key, record) != expected:
            return False
    return True


def count_matches(match, records):
    return sum(1 for record in records if record_matches(match, record))
