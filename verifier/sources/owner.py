"""The owner's account where the input states it, and a placeholder for it
where it does not.

A Terraform plan states it in the ARN of the resource a policy belongs to
(a role's ``arn``, a queue's URL, a permission's function ARN), else in the
account Terraform ran as (``data.aws_caller_identity`` in the plan), else
when the ARNs of the plan's resources name one account only
(``settle_plan_owners``). Where the input names several candidates and
states none, or none at all, a placeholder stands for the owner; the
accounts the input names are kept (``Found.candidates``, and the policy's
own texts: ``named_accounts``) so that a vulnerable verdict is kept only if
it holds whichever of them owns the resource (``verifier.checking``).

A template says ``${AWS::AccountId}`` where the real policy has the account
the stack is deployed in. Any 12-digit account can stand for it, provided
nothing else in the input can tell the placeholder from the real one: if a
literal or a pattern in the input named the placeholder, the placeholder
(trusted, being the owner) would make that literal look trusted when for the
real owner it is foreign, and a ``safe`` verdict could be false. So the
placeholder is chosen among candidates that no string of the input contains,
and that no wildcard pattern of the input (or ``:``-separated part of one)
matches, except patterns made only of ``*`` and ``?``, which match every
account alike. With no such candidate, there is no placeholder and the user
must give ``--account``.
"""

from __future__ import annotations

import re

CANDIDATES = ("111122223333", "123456789012", "210987654321", "999988887777", "135792468024",
              "864209753186", "502938471652", "777766665555")


def strings(node) -> list[str]:
    """Every scalar text in a tree of positioned nodes (names too)."""
    from verifier.policy.jsontree import JArray, JObject, JScalar
    from verifier.sources import JUnresolved

    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, JObject):
            for m in n.members:
                out.append(m.name)
                stack.append(m.value)
        elif isinstance(n, JArray):
            stack.extend(n.items)
        elif isinstance(n, JScalar) and n.value is not None:
            out.append(n.value)
        elif isinstance(n, JUnresolved):
            out.append(n.what)
    return out


SENTINEL = "DeputyOwnerAccountMarker"
"""Stands for the owner's account while a template is resolved, until the
placeholder is chosen; the parts of a string around it are what the
template states literally. It is plain text, so that it survives inside a
policy written as a JSON string; a template whose own text holds it is
refused (``cloudformation.extract``), so it cannot collide with input text."""


def placeholder(texts: list[str], avoid: set[str] = frozenset()) -> str | None:
    """The first candidate nothing in ``texts`` can tell apart from any
    other account, or None. Where a text holds ``SENTINEL`` (the owner
    itself), only the literal parts around it count."""
    pieces = []
    for text in texts:
        pieces += text.split(SENTINEL) if SENTINEL in text else [text]
    for candidate in CANDIDATES:
        if candidate not in avoid and _fresh(candidate, pieces):
            return candidate
    return None


def fill(node, account: str):
    """``node`` with ``SENTINEL`` replaced by ``account`` everywhere."""
    from dataclasses import replace

    from verifier.policy.jsontree import JArray, JMember, JObject, JScalar
    from verifier.sources import JUnresolved

    if isinstance(node, JObject):
        return JObject(tuple(JMember(m.name.replace(SENTINEL, account), m.name_span, fill(m.value, account))
                             for m in node.members), node.span)
    if isinstance(node, JArray):
        return JArray(tuple(fill(i, account) for i in node.items), node.span)
    if isinstance(node, JScalar) and node.value and SENTINEL in node.value:
        return JScalar(node.kind, node.value.replace(SENTINEL, account), node.span)
    if isinstance(node, JUnresolved):
        widened = node.widened.replace(SENTINEL, account) if node.widened else node.widened
        hole = node.hole
        if node.widened and hole > 0:  # the sentinel and the account differ in length
            hole = len(node.widened[:hole].replace(SENTINEL, account))
        instance = node.instance.replace(SENTINEL, account) if node.instance else node.instance
        return replace(node, what=node.what.replace(SENTINEL, account), widened=widened, hole=hole,
                       instance=instance)
    return node


def _fresh(candidate: str, texts: list[str]) -> bool:
    for text in texts:
        if candidate in text:
            return False
        if "*" in text or "?" in text:
            for piece in [text, *text.split(":"), *text.split("/")]:
                if piece and set(piece) - {"*", "?"} and wildcard_match(candidate, piece):
                    return False
    return True


def wildcard_match(text: str, pattern: str) -> bool:
    """Whether ``pattern`` matches all of ``text``, where ``*`` is any run
    of characters, ``?`` any one, and every other character itself (as
    ``fnmatchcase`` with ``[`` escaped, without compiling a regular
    expression for each of a template's many patterns). Greedy, going back
    to the last ``*`` on a mismatch: exact for these two wildcards."""
    t = p = 0
    star, resume = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, resume = p, t
            p += 1
        elif p < len(pattern) and pattern[p] in ("?", text[t]):
            t += 1
            p += 1
        elif star >= 0:
            resume += 1
            t, p = resume, star + 1
        else:
            return False
    return pattern[p:].strip("*") == ""


def assumption(account: str) -> str:
    return (f"the owner's account is not stated (give --account); the placeholder {account} stands for it, "
            "chosen so that nothing in the input names or matches it")


ACCOUNT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_ARN_ACCOUNT = re.compile(r"arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):")
_QUEUE_URL = re.compile(r"https://sqs\.[^/]+/([0-9]{12})/")
OWN_IDENTIFIERS = ("arn", "queue_url", "function_name")
"""Attributes that name the resource a policy is attached to: a role's or
topic's or key's ``arn``, a queue policy's ``queue_url``, a Lambda
permission's ``function_name`` (when it is an ARN)."""


def named_accounts(texts: list[str]) -> set[str]:
    """Every 12-digit account the texts spell out."""
    return {m.group() for text in texts for m in ACCOUNT.finditer(text.replace(SENTINEL, " "))}


def resource_account(values, unknown) -> str | None:
    """The account the resource's own identifier names in a plan, or None."""
    from verifier.sources import member_value, scalar_text

    for name in OWN_IDENTIFIERS:
        if scalar_text(member_value(unknown, name)) == "true":
            continue
        found = _account_of(scalar_text(member_value(values, name)) or "")
        if found:
            return found
    return None


def _account_of(text: str) -> str | None:
    """The account an ARN or a queue URL names, or None."""
    match = _ARN_ACCOUNT.match(text) or _QUEUE_URL.match(text)
    return match.group(1) if match else None


def identifier_account(texts: list[str]) -> str | None:
    """The one account that the resource identifiers ``texts`` (ARNs,
    queue URLs) name, or None if one of them names none or they differ."""
    accounts = {_account_of(text) for text in texts}
    return accounts.pop() if len(accounts) == 1 and None not in accounts else None


def settle_plan_owners(found: list, root, account: str | None) -> None:
    """Without ``--account``, the owner of each policy of a plan whose own
    resource does not name it: the account Terraform ran as, else the one
    account the plan's resources name; with several candidates and none
    stated, none (``Found.candidates`` keeps them)."""
    if account:
        return
    identities, arns = _plan_accounts(root)
    if len(identities) == 1:
        chosen = next(iter(identities))
        how = "the account Terraform ran as (data.aws_caller_identity in the plan)"
    elif not identities and len(arns) == 1:
        chosen = next(iter(arns))
        how = "the only account in the ARNs of the plan's resources"
    else:
        chosen, how = None, ""
    for item in found:
        if item.owner is not None:
            continue
        if chosen is not None:
            item.owner = chosen
            item.assumptions.append(f"the owner's account is {chosen}, {how}; --account overrides it")
        else:
            item.candidates = tuple(sorted(identities | arns))


def _plan_accounts(root) -> tuple[set[str], set[str]]:
    """The accounts of ``data.aws_caller_identity`` and of the resources'
    own identifiers, anywhere in the plan (changes, planned values, prior
    state)."""
    from verifier.policy.jsontree import JObject
    from verifier.sources import member_value, scalar_text

    identities, arns = set(), set()
    for entry, values, unknown in _plan_resources(root):
        if scalar_text(member_value(entry, "type")) == "aws_caller_identity":
            text = scalar_text(member_value(values, "account_id")) or ""
            if ACCOUNT.fullmatch(text):
                identities.add(text)
        elif isinstance(values, JObject) and scalar_text(member_value(entry, "mode")) != "data":
            # a data source reads a resource that exists, maybe in another account
            own = resource_account(values, unknown)
            if own:
                arns.add(own)
    return identities, arns


def _plan_resources(root):
    from verifier.sources import member_value

    for change in getattr(member_value(root, "resource_changes"), "items", ()):
        body = member_value(change, "change")
        yield change, member_value(body, "after"), member_value(body, "after_unknown")
    for section in (member_value(root, "planned_values"), member_value(member_value(root, "prior_state"), "values"),
                    member_value(root, "values")):
        stack = [member_value(section, "root_module")]
        while stack:
            module = stack.pop()
            for resource in getattr(member_value(module, "resources"), "items", ()):
                yield resource, member_value(resource, "values"), None
            stack += list(getattr(member_value(module, "child_modules"), "items", ()))
