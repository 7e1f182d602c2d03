"""Where a repair goes in a CloudFormation template's own text.

``fixing`` repairs the policy deputy read; ``writer`` finds the same
statement, condition block and entry in the template as written (its
positioned nodes, before any function is resolved) and makes the smallest
edit there with ``templatetext``. The owner's account is written
``!Ref AWS::AccountId`` and an ARN pattern of it
``!Sub "arn:${AWS::Partition}:...:${AWS::AccountId}:..."``, so the repair
holds in whatever account and partition the stack is deployed. A Lambda
permission is repaired through its own properties (``SourceAccount``,
``SourceArn``; ``permission_arguments`` gives a plan's arguments too).
Nothing here proves anything: ``fixing`` reads the edited template again
and proves it.
"""

from __future__ import annotations

from verifier.debug.templatetext import ACCOUNT, Editor, Intrinsic
from verifier.sources import member_value

PERMISSION_PROPERTIES = {("StringEquals", "aws:sourceaccount"): ("SourceAccount", "source_account"),
                         ("ArnLike", "aws:sourcearn"): ("SourceArn", "source_arn")}
"""A Lambda permission holds one source account and one source ARN, as
properties (CloudFormation) or arguments (Terraform), not conditions."""


class CannotEdit(Exception):
    """The template's text does not have the shape the edit needs."""


class NotAsRead(CannotEdit):
    """A block deputy read is not in the template's text: a value it had
    to widen (an unstated ``!Ref``) changed the block's operator."""


def writer(item, body, permission: bool, loaded, repaired):
    """A function that makes this policy's edits in an ``Editor`` (raises
    ``CannotEdit`` where the template's text is not shaped for them)."""
    owner = item.owner
    properties = _plain(member_value(body, "Properties"), "the resource's Properties")
    if permission:
        return lambda editor: _permission_edits(editor, properties, loaded.policy, repaired.policy, owner)
    from verifier.sources.cloudformation import POLICY_PROPERTIES

    rtype = member_value(body, "Type").value
    document = _plain(member_value(properties, POLICY_PROPERTIES[rtype][0]), "the policy document")
    return lambda editor: _policy_edits(editor, document, loaded.policy, repaired.policy, owner)


def _plain(node, what: str):
    """``node`` if it is a mapping as written, not a function (whose
    members are not the policy's)."""
    from verifier.policy.jsontree import JObject

    if not isinstance(node, JObject) or _function(node):
        raise CannotEdit(f"{what} is not written as a mapping (a function or a JSON string)")
    return node


def _function(node) -> bool:
    return len(node.members) == 1 and (node.members[0].name == "Ref" or node.members[0].name.startswith("Fn::"))


def _member(node, name: str):
    return next((m for m in node.members if m.name == name), None)


def _statements(document) -> list:
    from verifier.policy.jsontree import JArray

    node = member_value(document, "Statement")
    items = node.items if isinstance(node, JArray) else [node]
    return [_plain(i, "a statement") for i in items]


def _policy_edits(editor: Editor, document, before, after, owner: str) -> None:
    from dataclasses import replace

    raws = _statements(document)
    for old, new in zip(before.statements, after.statements):
        if old == new:
            continue
        if replace(old, condition=None) != replace(new, condition=None) or old.index >= len(raws):
            raise CannotEdit("the repair changes more than a Condition")
        raw = raws[old.index]
        condition = _member(raw, "Condition")
        if old.condition is None:
            if condition is not None:
                raise CannotEdit("the statement's Condition is not written as one")
            editor.add(raw, "Condition", {b.operator.value: _entries(b, owner) for b in new.condition.operators})
            continue
        if condition is None:
            raise CannotEdit("the statement's Condition is not written as one")
        _condition_edits(editor, _plain(condition.value, "a Condition"), old.condition, new.condition, owner)


def _condition_edits(editor: Editor, raw, old, new, owner: str) -> None:
    from verifier.debug.textedit import renames

    old_blocks = {b.operator.value: b for b in old.operators}
    new_blocks = {b.operator.value: b for b in new.operators}
    renamed = renames(old_blocks, new_blocks)
    if set(old_blocks) - set(new_blocks) - set(renamed):
        raise CannotEdit("the repair removes a condition operator")
    for name, block in new_blocks.items():
        if name in renamed.values():
            continue
        if name not in old_blocks:
            editor.add(raw, name, _entries(block, owner))
            continue
        raw_block = _raw_member(raw, name)
        previous = {e.key.value: e for e in old_blocks[name].entries}
        if {e.key.value for e in block.entries} < set(previous):
            raise CannotEdit("the repair removes a condition key")
        for entry in block.entries:
            if entry.key.value not in previous:
                editor.add(_plain(raw_block.value, f"the {name} block"), entry.key.value, _values(entry.values, owner))
            elif previous[entry.key.value].values != entry.values:
                raw_entry = _raw_member(_plain(raw_block.value, f"the {name} block"), entry.key.value)
                editor.replace(raw_entry, _values(entry.values, owner))
    for old_name, new_name in renamed.items():
        editor.rename(_raw_member(raw, old_name), new_name)


def _raw_member(node, name: str):
    member = _member(node, name)
    if member is None:
        raise NotAsRead(f"{name} is not written in the template as deputy read it (a value it had to widen?)")
    return member


def _permission_edits(editor: Editor, properties, before, after, owner: str) -> None:
    arguments = permission_arguments(before, after)
    if isinstance(arguments, str):
        raise CannotEdit(arguments)
    for prop, _, value in arguments:
        if prop == "SourceArn" and value.split(":")[3:4] == ["*"]:
            raise CannotEdit("a Lambda permission's SourceArn cannot hold a wildcard Region")
        rendered = _value(value, owner)
        existing = _member(properties, prop)
        if existing is not None:
            editor.replace(existing, rendered)
        else:
            editor.add(properties, prop, rendered)


def _entries(block, owner: str) -> dict:
    return {e.key.value: _values(e.values, owner) for e in block.entries}


def _values(values, owner: str):
    rendered = [_value(v.value, owner) for v in values.items]
    return rendered if values.is_list else rendered[0]


def _value(text: str, owner: str):
    """The owner's account as the stack's, in an account or an ARN."""
    if text == owner:
        return ACCOUNT
    if owner in text and text.startswith("arn:"):
        rest = text.split(":", 2)[2].replace("${", "${!").replace(owner, "${AWS::AccountId}")
        return Intrinsic("Fn::Sub", "arn:${AWS::Partition}:" + rest)
    if owner in text:  # the owner may be a placeholder: never write it
        raise CannotEdit(f"the repair names the owner's account in {text!r}, which deputy cannot write as the stack's")
    return text


def described(changes: list[dict], owner: str, permission: bool, loaded, repaired) -> list[dict]:
    """The repair's changes, naming the owner's account as the template
    does (a Lambda permission's as the properties set)."""
    if permission:
        ref = changes[0]["statement"] if changes else None
        return [{"statement": ref, "change": f"set {prop} to " + _shown(_value(value, owner))}
                for prop, _, value in permission_arguments(loaded.policy, repaired.policy)]
    return [dict(c, change=c["change"].replace(f'"{owner}"', "!Ref AWS::AccountId").replace(owner, "${AWS::AccountId}"))
            for c in changes]


def _shown(value) -> str:
    if isinstance(value, Intrinsic):
        return Editor("", True).flow(value)
    return f'"{value}"'


def canonical(policy):
    """A policy up to the order of its condition entries (a Lambda
    permission's conditions follow its properties' order)."""
    from dataclasses import replace

    from verifier.policy import keys

    return [(replace(s, condition=None), sorted((e.operator.value, keys.fold(e.key.value),
                                                 tuple(v.value for v in e.values.items))
                                                for e in (s.condition.entries if s.condition else ())))
            for s in policy.statements]


def entry_changes(before, after) -> list[tuple[str, str, object]] | None:
    """The condition entries ``after`` adds or changes, ``(operator, key,
    Values)``, statement by statement; None when it also removes or
    renames one (nothing a Lambda permission can say)."""
    from verifier.policy import keys

    out = []
    for old, new in zip(before.statements, after.statements):
        entries = {(e.operator.value, keys.fold(e.key.value)): e for e in (old.condition.entries if old.condition
                                                                              else ())}
        seen = 0
        for e in new.condition.entries if new.condition else ():
            mark = (e.operator.value, keys.fold(e.key.value))
            if mark in entries:
                seen += 1
                if entries[mark].values == e.values:
                    continue
            out.append((e.operator.value, keys.fold(e.key.value), e.values))
        if seen != len(entries):
            return None
    return out


def permission_arguments(before, after) -> list[tuple[str, str, str]] | str:
    """``(CloudFormation property, Terraform argument, value)`` for each
    change of a Lambda permission's statement, or why it has none."""
    changes = entry_changes(before, after)
    if changes is None:
        return "the repair removes or renames a condition, which a Lambda permission cannot express"
    out = []
    for operator, key, values in changes:
        names = PERMISSION_PROPERTIES.get((operator, key))
        if names is None or len(values.items) != 1:
            return f"a Lambda permission cannot hold {operator} {key} with {len(values.items)} value(s)"
        out.append((*names, values.items[0].value))
    return out
