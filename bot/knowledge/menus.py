"""Topic menus in groups (knowledge/groups.yaml): a topic lists its groups, a group its entries, each
short enough for one Telegram screen and one WeCom message."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.common.vocab import IP_TOPICS
from bot.knowledge.base import KnowledgeBase, Problem, read_yaml, valid_id

EXTRA_KEY = "groups"  # where the loaded groups live in KnowledgeBase.extras
MAX_GROUPS_PER_TOPIC = 8
MAX_ENTRIES_PER_GROUP = 8
MAX_TOP_MENU = 12  # the IP topics plus the handoff choice
GROUP_PREFIX = "group:"


@dataclass(frozen=True)
class Group:
    id: str
    topic: str
    title: str
    title_en: str
    words: tuple[str, ...] = ()  # a message that is only one of these opens this group (软著)

    def title_in(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title


def groups_of(kb: KnowledgeBase) -> dict[str, Group]:
    """The groups loaded with `kb`, by id, in file order (empty without a groups file)."""
    return kb.extras.get(EXTRA_KEY) or {}


def topic_groups(kb: KnowledgeBase, topic: str) -> list[Group]:
    return [g for g in groups_of(kb).values() if g.topic == topic]


def group_entries(kb: KnowledgeBase, group_id: str) -> list:
    return [e for e in kb.entries.values() if e.group == group_id]


def _group_from(topic: str, raw: object, where: str) -> tuple[Group | None, list[Problem]]:
    if not isinstance(raw, dict) or not valid_id(raw.get("id")):
        return None, [Problem(where, topic, "group", "each group needs an `id` in lower-case snake case")]
    missing = [name for name in ("title", "title_en") if not isinstance(raw.get(name), str) or not raw[name].strip()]
    words = raw.get("words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        return None, [Problem(where, raw["id"], "words", "must be a list of strings")]
    if missing:
        return None, [Problem(where, raw["id"], name, "missing") for name in missing]
    return Group(raw["id"], topic, raw["title"].strip(), raw["title_en"].strip(), tuple(words)), []


def read_groups(root: Path) -> tuple[dict[str, Group], list[Problem]]:
    """knowledge/groups.yaml: a mapping of topic to its list of groups."""
    path = root / "groups.yaml"
    where = "knowledge/groups.yaml"
    if not path.exists():
        return {}, []
    data, problems = read_yaml(path, root)
    if problems:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [Problem(where, "", "file", "must be a mapping of topic to groups")]
    groups: dict[str, Group] = {}
    for topic, items in data.items():
        if topic not in IP_TOPICS or not isinstance(items, list):
            problems.append(Problem(where, str(topic), "topic", "unknown topic or not a list of groups"))
            continue
        for raw in items:
            group, group_problems = _group_from(topic, raw, where)
            problems += group_problems
            if group and group.id in groups:
                problems.append(Problem(where, group.id, "id", "duplicate group id"))
            elif group:
                groups[group.id] = group
    return groups, problems


def _size_problems(kb: KnowledgeBase, groups: dict[str, Group]) -> list[Problem]:
    problems = []
    per_topic: defaultdict[str, int] = defaultdict(int)
    for group in groups.values():
        per_topic[group.topic] += 1
        size = len(group_entries(kb, group.id))
        if size > MAX_ENTRIES_PER_GROUP:
            problems.append(Problem("knowledge/groups.yaml", group.id, "entries",
                                    f"{size} entries: a menu group holds at most {MAX_ENTRIES_PER_GROUP}"))
    for topic, count in per_topic.items():
        if count > MAX_GROUPS_PER_TOPIC:
            problems.append(Problem("knowledge/groups.yaml", topic, "groups",
                                    f"{count} groups: a topic menu holds at most {MAX_GROUPS_PER_TOPIC}"))
    if len(IP_TOPICS) + 1 > MAX_TOP_MENU:
        problems.append(Problem("bot/common/vocab.py", "", "IP_TOPICS", f"the top menu holds at most {MAX_TOP_MENU}"))
    return problems


def _membership_problems(kb: KnowledgeBase, groups: dict[str, Group]) -> list[Problem]:
    problems = []
    for entry in kb.entries.values():
        if entry.topic not in IP_TOPICS:
            continue
        group = groups.get(entry.group)
        if not entry.group:
            problems.append(Problem(entry.file, entry.id, "group", "missing: every entry sits in a menu group"))
        elif group is None or group.topic != entry.topic:
            problems.append(Problem(entry.file, entry.id, "group", f"`{entry.group}` is not a group of {entry.topic}"))
    return problems


def check_groups(root: Path, kb: KnowledgeBase) -> list[Problem]:
    """kb check rule: groups are sound, every IP entry sits in one of its topic, menus stay short."""
    groups, problems = read_groups(root)
    if problems or not groups:
        return problems
    kb.extras[EXTRA_KEY] = groups
    return _membership_problems(kb, groups) + _size_problems(kb, groups)
