"""Dedupe against the truth, as a reader of the catalogue would see it (pure).

Merges join links into communities transitively (catalogue/identity.py), so the score is over the groups
the merges make, not the pairs dedupe names: a pair of entries counts as merged when they end up in one
group. Precision is the share of merged pairs that truly are one community, recall the share of true
pairs that were merged (pairwise precision and recall of a clustering). Both are counted, never listed:
a wrong chain of merges could make a group of thousands.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from bench.fixture.dedupe_set import DUPLICATE_KINDS, DedupeSet

EXAMPLES = 5  # wrong merges shown per kind of mistake


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def merged_groups(merges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every id that takes part in a merge → a representative of its group (union-find)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in merges:
        a, b = root(left), root(right)
        if a != b:
            parent[b] = a
    return {node: root(node) for node in parent}


def score(truth: DedupeSet, merges: list[tuple[str, str, str]], names: dict[str, str]) -> dict:
    """merges: (left id, right id, rule). Returns precision, recall and where the mistakes are."""
    group_of = merged_groups((left, right) for left, right, _ in merges)
    members: defaultdict[str, list[str]] = defaultdict(list)
    for node, representative in group_of.items():
        members[representative].append(node)
    predicted = correct = 0
    found_by_kind: Counter[str] = Counter()
    chapter_pairs = 0
    for ids in members.values():
        predicted += _pairs(len(ids))
        per_truth = Counter(truth.group[i] for i in ids)
        for group, count in per_truth.items():
            correct += _pairs(count)
            found_by_kind[truth.kind[group]] += _pairs(count)
        per_organisation = Counter(truth.chapter_of[i] for i in ids if i in truth.chapter_of)
        chapter_pairs += sum(_pairs(count) for count in per_organisation.values())
    sizes: Counter[int] = Counter()
    true_by_kind: Counter[str] = Counter()
    for group, count in Counter(truth.group.values()).items():
        sizes[count] += 1
        true_by_kind[truth.kind[group]] += _pairs(count)
    true_pairs = sum(true_by_kind.values())
    same_name = sum(1 for pair in truth.same_name if len({group_of.get(i, i) for i in pair}) == 1)
    return {
        "precision": round(correct / predicted, 4) if predicted else 1.0,
        "recall": round(correct / true_pairs, 4) if true_pairs else 1.0,
        "merged_pairs": predicted, "correct_pairs": correct, "true_pairs": true_pairs,
        "recall_by_kind": {kind: round(found_by_kind[kind] / true_by_kind[kind], 4) if true_by_kind[kind] else None
                           for kind in DUPLICATE_KINDS},
        "true_pairs_by_kind": {kind: true_by_kind[kind] for kind in DUPLICATE_KINDS},
        "wrongly_joined": {"same_name": same_name, "same_name_pairs": len(truth.same_name),
                           "chapter_pairs": chapter_pairs},
        "largest_group": max((len(ids) for ids in members.values()), default=0),
        "wrong_merges": _wrong(truth, merges, names),
        "missed_examples": _missed(truth, group_of, names),
    }


def _missed(truth: DedupeSet, group_of: dict[str, str], names: dict[str, str]) -> dict[str, list[str]]:
    """A few true duplicates left apart, per kind: what a threshold or a rule did not catch."""
    by_group: defaultdict[int, list[str]] = defaultdict(list)
    for node, group in truth.group.items():
        if truth.kind[group] in DUPLICATE_KINDS:
            by_group[group].append(node)
    examples: defaultdict[str, list[str]] = defaultdict(list)
    for group, ids in sorted(by_group.items()):
        kind = truth.kind[group]
        if len(examples.get(kind, ())) < EXAMPLES and len({group_of.get(i, i) for i in ids}) > 1:
            examples[kind].append(" ~ ".join(repr(names[i]) for i in ids))
    return dict(examples)


def _wrong(truth: DedupeSet, merges: list[tuple[str, str, str]], names: dict[str, str]) -> dict:
    """The merges dedupe proposed between different communities: how many per rule, and a few examples."""
    by_rule: Counter[str] = Counter()
    examples: defaultdict[str, list[str]] = defaultdict(list)
    for left, right, rule in merges:
        if truth.group[left] == truth.group[right]:
            continue
        kind = ("same_name" if frozenset((left, right)) in truth.same_name
                else "chapter" if truth.chapter_of.get(left, "-") == truth.chapter_of.get(right) else "other")
        by_rule[f"{rule} ({kind})"] += 1
        if len(examples[kind]) < EXAMPLES:
            examples[kind].append(f"{names[left]!r} ~ {names[right]!r} [{rule}]")
    return {"by_rule": dict(by_rule), "examples": dict(examples)}
