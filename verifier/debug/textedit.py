"""The repaired policy as text: small edits inside the changed statements.

``render`` turns the original text and the repaired AST into the repaired
text: conditions added, values replaced and operators renamed in place, each
new member laid out like its neighbours, so that the rest of the file keeps
its formatting. The result is accepted only if it parses back to exactly the
repaired AST; otherwise the whole policy is re-serialised (indent 2).
"""

from __future__ import annotations

import json

from verifier.policy import loading
from verifier.policy.ast import ConditionBlock, OperatorBlock, Policy, Statement, Values
from verifier.errors import InputError


def render(original: str, before: Policy, after: Policy, touched: set[int]) -> tuple[str, str]:
    """The repaired text: edits inside the touched statements when they parse
    back to ``after``, else the whole policy re-serialised (indent 2)."""
    from verifier.policy import printer

    from verifier.debug.writing import keep_layout

    try:
        text = _edit(original, before, after, touched)
        if text is not None:
            text = keep_layout(original, text)  # CRLF stays CRLF, inserted lines too
            if loading.parser.parse_policy(text) == after:
                return text, "edited in place"
    except (InputError, ValueError, IndexError):
        pass
    return keep_layout(original, printer.dumps(after, indent=2) + "\n"), "re-serialised"


def _edit(original: str, before: Policy, after: Policy, touched: set[int]) -> str | None:
    offsets = _Offsets(original)
    edits: list[tuple[int, int, str]] = []
    for old, new in zip(before.statements, after.statements):
        if old.index not in touched:
            continue
        more = _statement_edits(original, offsets, old, new)
        if more is None:
            return None
        edits += more
    text = original
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


class _Offsets:
    def __init__(self, text: str):
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def start(self, span) -> int:
        return self.starts[span.line - 1] + span.column - 1

    def end(self, span) -> int:
        return self.starts[span.end_line - 1] + span.end_column - 1


def _statement_edits(text, offsets, old: Statement, new: Statement):
    if old.condition is None:
        member = '"Condition": ' + _condition_json(new.condition)
        return [_insert_member(text, offsets.end(old.span) - 1, member)]
    old_blocks = {b.operator.value: b for b in old.condition.operators}
    new_blocks = {b.operator.value: b for b in new.condition.operators}
    edits, inserted = [], []
    renamed = renames(old_blocks, new_blocks)
    for name, block in new_blocks.items():
        if name in renamed.values():
            continue
        if name not in old_blocks:
            inserted.append(f"{json.dumps(name)}: " + _block_json(block))
            continue
        old_entries = {e.key.value: e for e in old_blocks[name].entries}
        added = []
        for entry in block.entries:
            if entry.key.value in old_entries:
                previous = old_entries[entry.key.value]
                if previous.values != entry.values:
                    span = previous.values.span
                    edits.append((offsets.start(span), offsets.end(span), _values_json(entry.values)))
            else:
                added.append(f"{json.dumps(entry.key.value)}: {_values_json(entry.values)}")
        if len(block.entries) - len(added) != len(old_blocks[name].entries):
            return None  # an entry was removed: not an edit this module makes
        if added:
            last = old_blocks[name].entries[-1].values.span
            close = _next_close(text, offsets.end(last))
            edits += [_insert_member(text, close, m) for m in added]
    for old_name, new_name in renamed.items():
        span = old_blocks[old_name].operator.span
        edits.append((offsets.start(span), offsets.end(span), json.dumps(new_name)))
    if set(old_blocks) - set(new_blocks) - set(renamed):
        return None
    close = offsets.end(old.condition.span) - 1
    edits += [_insert_member(text, close, m) for m in inserted]
    return _merge_insertions(edits)


def renames(old_blocks: dict, new_blocks: dict) -> dict[str, str]:
    """Operator blocks that only changed their operator name."""
    out = {}
    gone = [n for n in old_blocks if n not in new_blocks]
    for name in gone:
        shape = [(e.key.value, e.values) for e in old_blocks[name].entries]
        match = next((n for n, b in new_blocks.items() if n not in old_blocks and n not in out.values()
                      and [(e.key.value, e.values) for e in b.entries] == shape), None)
        if match:
            out[name] = match
    return out


def _merge_insertions(edits):
    """Insertions at one place are joined in order, so applying them from
    the end of the text keeps their order."""
    merged: dict[tuple[int, int], str] = {}
    order = []
    for start, end, replacement in edits:
        if (start, end) in merged and start == end:
            previous = merged[(start, end)]
            merged[(start, end)] = previous + (replacement if replacement.startswith(",") else ", " + replacement)
        else:
            merged[(start, end)] = replacement
            order.append((start, end))
    return [(s, e, merged[(s, e)]) for s, e in order]


def _next_close(text: str, position: int) -> int:
    while text[position].isspace():
        position += 1
    if text[position] != "}":
        raise ValueError("expected the end of an object")
    return position


def _insert_member(text: str, close: int, member: str) -> tuple[int, int, str]:
    """An insertion of ``member`` as the last member of the object whose
    closing brace is at ``close``, laid out like the members before it."""
    if text[close] != "}":
        raise ValueError("expected the end of an object")
    last = close - 1
    while text[last].isspace():
        last -= 1
    if text[last] == "{":
        return last + 1, last + 1, member
    if "\n" in text[last:close]:
        line_start = text.rfind("\n", 0, last) + 1
        line = text[line_start:last]
        indent = line[: len(line) - len(line.lstrip())]
        return last + 1, last + 1, ",\n" + indent + member
    return last + 1, last + 1, ", " + member


def _values_json(values: Values) -> str:
    items = [json.dumps(v.value, ensure_ascii=False) for v in values.items]
    return "[" + ", ".join(items) + "]" if values.is_list else items[0]


def _block_json(block: OperatorBlock) -> str:
    return "{" + ", ".join(f"{json.dumps(e.key.value)}: {_values_json(e.values)}" for e in block.entries) + "}"


def _condition_json(condition: ConditionBlock) -> str:
    return "{" + ", ".join(f"{json.dumps(b.operator.value)}: {_block_json(b)}" for b in condition.operators) + "}"
