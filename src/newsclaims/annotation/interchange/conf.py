"""brat's ``annotation.conf``: written from a mapping, and a small checker of files against it.

brat itself (Python 2) cannot be installed here, so ``check_collection`` restates the rules
of brat's ``verify_annotations.py`` that an export can break: every type declared, an event's
trigger of the event's type, argument roles and their types and counts, relation argument
types, attribute targets and values, and text-bound texts equal to the text's slices.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from newsclaims.annotation.interchange.mapping import BratMapping
from newsclaims.annotation.interchange.standoff import Offsets, parse_ann, split_role


def annotation_conf(mapping: BratMapping) -> str:
    """The ``annotation.conf`` of what an export with ``mapping`` writes."""
    mentions = list(mapping.mentions)
    roles = {role: [n for n, r in mapping.roles.items() if r == role] for role in ("source", "cue", "content")}
    sources = "|".join(roles["source"] + mentions) or "<ENTITY>"
    lines = ["[entities]", *mentions, *mapping.noise, *(t for r in roles.values() for t in r), ""]
    lines += ["[relations]", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    cues = "|".join(roles["cue"]) or "<ENTITY>"
    contents = "|".join(roles["content"]) or "<ENTITY>"
    for name, rm in mapping.relations.items():
        arg1, arg2 = {
            "source": (cues, sources),
            "content": (cues, contents),
            "parent": (cues, cues),
            "fragment": (contents, contents),
            "source_mention": ("|".join(roles["source"]) or "<ENTITY>", "|".join(mentions) or "<ENTITY>"),
        }[rm.kind]
        lines.append(f"{name}\tArg1:{arg1}, Arg2:{arg2}")
    lines += ["", "[events]"]
    for name, em in mapping.events.items():
        args = [f"{em.source[0]}?:{sources}", f"{em.content[0]}+:{contents}"]
        if mentions:
            args.append(f"{em.source_mention[0]}?:{'|'.join(mentions)}")
        args.append(f"{em.parent[0]}?:{'|'.join(mapping.events)}")
        lines.append(f"{name}\t{', '.join(args)}")
    lines += ["", "[attributes]"]
    holders = "|".join(mapping.events) if mapping.events else cues
    for name, am in mapping.attributes.items():
        arg = contents if am.field == "checkworthy" else holders
        values = f", Value:{'|'.join(am.values)}" if am.values else ""
        lines.append(f"{name}\tArg:{arg}{values}")
    return "\n".join(lines) + "\n"


@dataclass
class Conf:
    entities: set[str] = field(default_factory=set)
    events: dict[str, dict[str, tuple[str, set[str]]]] = field(default_factory=dict)  # role -> (card, types)
    relations: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    attributes: dict[str, tuple[set[str], set[str] | None]] = field(default_factory=dict)


def _types(spec: str) -> set[str]:
    return set(spec.split("|"))


def parse_conf(text: str) -> Conf:
    conf, section = Conf(), ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("<") else raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        name, _, rest = line.replace("\t", " ", 1).partition(" ")
        args = [a.strip() for a in rest.split(",") if a.strip()]
        if section == "entities":
            conf.entities.add(name)
        elif section == "events":
            roles: dict[str, tuple[str, set[str]]] = {}
            for a in args:
                role, _, types = a.partition(":")
                card = role[-1] if role[-1] in "?*+" else ""
                roles[role.rstrip("?*+")] = (card, _types(types))
            conf.events[name] = roles
        elif section == "relations" and not name.startswith("<"):
            parts = dict(a.partition(":")[::2] for a in args)
            conf.relations[name] = (_types(parts.get("Arg1", "")), _types(parts.get("Arg2", "")))
        elif section == "attributes":
            parts = dict(a.partition(":")[::2] for a in args)
            values = _types(parts["Value"]) if "Value" in parts else None
            conf.attributes[name] = (_types(parts.get("Arg", "")), values)
    return conf


def _fits(type_: str, allowed: set[str], conf: Conf) -> bool:
    return type_ in allowed or ("<ENTITY>" in allowed and type_ in conf.entities)


def check_file(conf: Conf, ann_text: str, raw: str, name: str) -> list[str]:
    """What brat would refuse in one ``.ann`` file, one line each (``name:line: message``)."""
    ann = parse_ann(ann_text, name)
    out = [str(i) for i in ann.issues]
    offsets = Offsets(raw)
    types: dict[str, str] = {}
    for t in ann.textbounds:
        types[t.id] = t.type
        if t.type not in conf.entities and t.type not in conf.events:
            out.append(f"{name}:{t.line}: {t.id}: type {t.type} is not declared")
        if t.text is not None and offsets.raw_slice(t.pieces) != t.text:
            out.append(f"{name}:{t.line}: {t.id}: text differs from the text's slice")
        if any("\n" in raw[s:e] or "\r" in raw[s:e] for s, e in t.pieces):
            out.append(f"{name}:{t.line}: {t.id}: a piece crosses a line end")
    for e in ann.events:
        types[e.id] = e.type
    for e in ann.events:
        roles = conf.events.get(e.type)
        if roles is None:
            out.append(f"{name}:{e.line}: {e.id}: event type {e.type} is not declared")
            continue
        if types.get(e.trigger) != e.type:
            out.append(f"{name}:{e.line}: {e.id}: the trigger {e.trigger} is not of type {e.type}")
        counts: Counter[str] = Counter()
        for role, target in e.args:
            base = split_role(role)[0]
            counts[base] += 1
            if base not in roles:
                out.append(f"{name}:{e.line}: {e.id}: role {role} is not declared for {e.type}")
            elif not _fits(types.get(target, "?"), roles[base][1], conf):
                out.append(f"{name}:{e.line}: {e.id}: {role}:{target} is of a type {e.type} does not allow there")
        for role, (card, _) in roles.items():
            if card in ("", "+") and not counts[role]:
                out.append(f"{name}:{e.line}: {e.id}: the required role {role} is missing")
            if card in ("", "?") and counts[role] > 1:
                out.append(f"{name}:{e.line}: {e.id}: role {role} is given {counts[role]} times")
    for r in ann.relations:
        allowed = conf.relations.get(r.type)
        if allowed is None:
            out.append(f"{name}:{r.line}: {r.id}: relation type {r.type} is not declared")
        elif not (_fits(types.get(r.arg1, "?"), allowed[0], conf) and _fits(types.get(r.arg2, "?"), allowed[1], conf)):
            out.append(f"{name}:{r.line}: {r.id}: its arguments are of types {r.type} does not allow")
    for a in ann.attributes:
        spec = conf.attributes.get(a.type)
        if spec is None:
            out.append(f"{name}:{a.line}: {a.id}: attribute {a.type} is not declared")
            continue
        if not _fits(types.get(a.target, "?"), spec[0], conf):
            out.append(f"{name}:{a.line}: {a.id}: {a.type} is not allowed on {a.target}")
        if (spec[1] is None) != (a.value is None) or (spec[1] is not None and a.value not in spec[1]):
            out.append(f"{name}:{a.line}: {a.id}: value {a.value!r} is not a value of {a.type}")
    return out


def check_collection(folder: Path) -> list[str]:
    """Every ``.ann`` under ``folder`` against the nearest ``annotation.conf`` at or above it."""
    out: list[str] = []
    confs: dict[Path, Conf] = {}
    by_folder: dict[Path, list[Path]] = defaultdict(list)
    for ann in sorted(folder.rglob("*.ann")):
        by_folder[ann.parent].append(ann)
    for where, anns in sorted(by_folder.items()):
        conf_path = next(
            (p / "annotation.conf" for p in (where, *where.parents) if (p / "annotation.conf").is_file()), None
        )
        if conf_path is None:
            out.append(f"{where}: no annotation.conf here or above")
            continue
        conf = confs.setdefault(conf_path, parse_conf(conf_path.read_text(encoding="utf-8")))
        for ann in anns:
            raw = ann.with_suffix(".txt").read_bytes().decode("utf-8")
            out += check_file(conf, ann.read_text(encoding="utf-8"), raw, ann.relative_to(folder).as_posix())
    return out
