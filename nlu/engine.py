"""The rule engine: which rule words occur in an utterance, which cues switch
them off, and what the rules alone make of it.

Everything is read from the operators' rule file (``nlu.rules``); the engine
only looks words up. Its ``Analysis`` feeds the learned model (as features),
the emergency safety net and the explanation shown to agents (``matched``).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from operator import sub
from typing import NamedTuple

from .automaton import automaton
from .decision import Match
from .rules import Combo, Role, Rules

_PARTICLES = frozenset("了啦啊呀的着过吧呢")


class _Scoring(NamedTuple):
    """A role that scores, with what the tally needs of it worked out once."""

    role: Role
    key: tuple[str, str | int]  # (kind, target): a word counts once per key
    is_group: bool
    maskable: bool  # switched off inside a danger mask (danger and combo words)
    kinds: tuple[str, ...]  # the cue kinds that switch it off
    is_danger: bool
    target: str
    rule: str  # the rule name in Decision.matched
    combo: int  # the combo of a group word (index in Rules.combos), else -1

    @classmethod
    def of(cls, role: Role) -> _Scoring:
        target = str(role.target)
        is_danger = role.kind == "danger"
        is_group = role.kind == "group"
        return cls(role, (role.kind, role.target), is_group,
                   role.kind in ("danger", "group"),
                   _CANCEL_KINDS[role.cancel] if role.cancel else (),
                   is_danger, target, f"emergency.{target}" if is_danger else target,
                   int(role.target) if is_group else -1)


class _Roles(NamedTuple):
    """The roles of a rule word, with the facts the hot path asks about them."""

    roles: tuple[Role, ...]
    content: bool  # some role is no cue
    not_cue: bool  # the word is a cues.not_cue entry
    mask: bool  # a weight-0 danger word
    cues: tuple[str, ...]  # the cue kinds it signals (not_cue excluded), in role order
    scoring: tuple[_Scoring, ...]  # the roles that are no cue, in order

    @classmethod
    def of(cls, roles: tuple[Role, ...]) -> _Roles:
        return cls(
            roles,
            any(r.kind != "cue" for r in roles),
            any(r.kind == "cue" and r.target == "not_cue" for r in roles),
            any(r.kind == "danger" and not r.weight for r in roles),
            tuple(str(r.target) for r in roles if r.kind == "cue" and r.target != "not_cue"),
            tuple(_Scoring.of(r) for r in roles if r.kind != "cue"),
        )


class _Hit(NamedTuple):
    word: str
    start: int
    end: int
    roles: tuple[Role, ...]
    info: _Roles




class Analysis(NamedTuple):
    """What the rules found in one utterance."""

    tally: _Tally
    context: _Context
    danger: float  # danger score after intensifier and safe factors
    emergency: bool  # the rules alone would transfer the call
    number: str | None  # the number the rules choose when there is danger
    incidental: bool  # weak danger inside a clearly different matter

    @property
    def labels(self) -> dict[str, float]:
        return self.tally.labels


class RuleEngine:
    """Look-up tables of the rule words, built once; ``analyse`` is cheap."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        # per word: all its roles; and, for a short word that is not a whole jieba
        # word, the roles that still count there (free ones, plus cues when allowed)
        self._roles: dict[str, tuple[_Roles, _Roles | None, _Roles | None]] = {}
        for word, roles in rules.lexicon.items():
            with_cue = tuple(r for r in roles if r.free or r.kind == "cue")
            no_cue = tuple(r for r in roles if r.free)
            self._roles[word] = (
                _Roles.of(roles),
                _Roles.of(with_cue) if with_cue else None,
                _Roles.of(no_cue) if no_cue else None,
            )
        self._windows = {"negation": 4, "intent_negation": 0, "not_now": 8, "habitual": 15,
                         "after": 4}
        self._windows.update(rules.windows)
        self._automaton = automaton({w: (len(w), w, found) for w, found in self._roles.items()})

    def scan(self, text: str, bounds: set[int]) -> list[_Hit]:
        """Every rule word of ``text`` that counts where it stands (``bounds``: where
        its jieba words start or end), by start, shorter words first."""
        if self._automaton is None:
            return []
        short = self.rules.boundary_max_len
        found = [(last + 1 - size, size, word, roles)
                 for last, (size, word, roles) in self._automaton.iter(text)]
        found.sort()
        hits: list[_Hit] = []
        for i, size, word, roles in found:
            info: _Roles | None = roles[0]
            j = i + size
            if size <= short and not (
                i in bounds and (j in bounds or (j + 1 in bounds and text[j] in _PARTICLES))
            ):
                # A short word counts only as a whole jieba word (or one with a
                # particle attached): 起火 counts in 起火了, not in 一起火锅.
                # Cues may sit inside a word (没 in 没人, 怕 in 黑怕), but a one-character
                # cue must start or end one (see also cues.not_cue: 别 in 特别).
                cue_ok = size > 1 or i in bounds or j in bounds
                info = roles[1] if cue_ok else roles[2]
                if info is None:
                    continue
            hits.append(_Hit(word, i, j, info.roles, info))
        return hits

    def analyse(self, norm: str, tokens: list[str]) -> Analysis:
        """Score the rule words of a normalised, segmented utterance."""
        rules = self.rules
        context = _Context(norm, tokens, rules.soft_fillers, self._windows)
        hits = self.scan(norm, context.bounds)
        context.collect_cues(hits)
        tally = _Tally()
        # Danger words with weight 0 are masks: no danger or combo word inside them
        # counts (走失 in 防走失, 炸 in 炸酱面).
        masks = [(h.start, h.end) for h in hits if h.info.mask]
        for hit in sorted(hits, key=_longest_first):
            scoring = hit.info.scoring
            if not scoring:
                continue  # a cue only
            masked = bool(masks) and any(
                s <= hit.start and hit.end <= e and e - s > hit.end - hit.start for s, e in masks
            )
            for role in scoring:
                if not role.is_group and tally.already_counted(hit, role.key):
                    continue
                if masked and role.maskable:
                    continue
                why = None
                if role.kinds and context.cancels:
                    why = context.cancelled(hit, role.kinds)
                if why is not None:
                    tally.cancelled.append(f"{hit.word}({why})")
                else:
                    tally.add(hit, role)
        tally.close_combos(rules.combos)

        danger = sum(tally.numbers.values())
        if danger > 0 and context.intensifiers:
            danger *= rules.intensifier_factor
            tally.note("intensifier", sorted(set(context.intensifiers)), rules.intensifier_factor)
        if danger > 0 and context.cues["safe"]:
            danger *= rules.safe_factor
            tally.note("safe", sorted({h.word for h in context.cues["safe"]}), rules.safe_factor)

        labels = tally.labels
        top_other = max(labels.values(), default=0.0)
        # Only danger words, below the threshold but nothing else said: transfer.
        lone = (0 < rules.lone_danger <= danger and danger > top_other
                and not context.cues["safe"])
        # A weak danger inside a clearly different matter ("部队的围墙倒了砸了我的车")
        # is incidental: the call is not transferred, but flagged for an agent.
        incidental = (rules.contest_ratio > 0 and danger < rules.contest_below
                      and top_other >= rules.contest_ratio * danger)
        number = None
        if tally.numbers and danger > 0:
            order = rules.number_order
            number = max(tally.numbers, key=lambda k: (tally.numbers[k], -order.index(k)))
            for first, needed in rules.number_first.items():
                if tally.numbers.get(first, 0.0) >= needed:
                    number = first
                    break
        emergency = (danger >= rules.emergency_threshold or lone) and not incidental
        return Analysis(tally, context, danger, emergency, number, incidental)


def _longest_first(hit: _Hit) -> int:
    return hit.start - hit.end


# Which cue kinds switch off a word, by the word's `cancel` flavour.
_CANCEL_KINDS: dict[str, tuple[str, ...]] = {
    "danger": ("negation", "not_now", "habitual", "after"),
    "intent": ("intent_negation",),
    "past": ("not_now", "habitual", "after"),
    "negation": ("negation",),
}


class _Context:
    """Token positions and cues of one utterance: answers "is this word switched off?"."""

    def __init__(
        self, text: str, tokens: list[str], soft: frozenset[str], windows: dict[str, int]
    ) -> None:
        self.starts: list[int] = list(accumulate(map(len, tokens), initial=0))
        self.starts.pop()
        # content[i]: how many of the tokens before token i are not soft fillers
        self._content: list[int] = list(map(
            sub, range(len(tokens) + 1), accumulate(map(soft.__contains__, tokens), initial=0)
        ))
        self.bounds = set(self.starts)  # where words start or end
        self.bounds.add(len(text))
        self._windows = windows
        self.cues: dict[str, list[_Hit]] = {
            kind: [] for kind in ("negation", "not_now", "habitual", "after", "reset", "safe")
        }
        self.intensifiers: list[str] = []
        self.cancels = False  # whether any cue may switch a word off (see collect_cues)

    def collect_cues(self, hits: list[_Hit]) -> None:
        words = [(h.start, h.end) for h in hits if h.info.content]
        not_cues = [(h.start, h.end) for h in hits if h.info.not_cue]
        for hit in hits:
            if not hit.info.cues:
                continue
            if not_cues and any(s <= hit.start and hit.end <= e and e - s > hit.end - hit.start
                                for s, e in not_cues):
                continue  # 没 inside 没了
            for target in hit.info.cues:
                if target != "intensifier":
                    self.cues[target].append(hit)
                elif not any(s <= hit.start and hit.end <= e and e - s > hit.end - hit.start
                             for s, e in words):
                    # 现在 inside the rule word 到现在 is no intensifier
                    self.intensifiers.append(hit.word)
        cues = self.cues
        self.cancels = bool(cues["negation"] or cues["not_now"] or cues["habitual"]
                            or cues["after"])

    def _n_tokens(self, a: int, b: int) -> int:
        """Words between two positions; fillers (那个, 就是 ...) do not count."""
        return self._content[bisect_left(self.starts, b)] - self._content[
            bisect_left(self.starts, a)
        ]

    def _blocked(self, a: int, b: int) -> bool:
        return any(a <= r.start and r.end <= b for r in self.cues["reset"])

    def _whole_word(self, hit: _Hit) -> bool:
        return hit.start in self.bounds and hit.end in self.bounds

    def cancelled(self, hit: _Hit, kinds: tuple[str, ...]) -> str | None:
        """The cue that switches ``hit`` off, as ``kind:word``, or None."""
        for kind in kinds:
            window = self._windows[kind]
            for cue in self.cues["negation" if kind == "intent_negation" else kind]:
                if kind == "intent_negation" and not self._whole_word(cue):
                    continue  # 没 inside 没人修 does not negate a later 投诉
                # "after" cues follow the word; habitual ones ("好几天") may do too
                if kind == "after" or (kind == "habitual" and cue.start >= hit.end):
                    if (cue.start >= hit.end
                            and self._n_tokens(hit.end, cue.start) <= self._windows["after"]
                            and not self._blocked(hit.end, cue.start)):
                        return f"{kind}:{cue.word}"
                elif (cue.end <= hit.start and self._n_tokens(cue.end, hit.start) <= window
                      and not self._blocked(cue.end, hit.start)):
                    return f"{kind}:{cue.word}"
        return None


class _Tally:
    """Scores per emergency number and per label, and the words behind them."""

    def __init__(self) -> None:
        self.numbers: dict[str, float] = {}
        self.labels: dict[str, float] = {}
        self.cancelled: list[str] = []
        self._matched: dict[str, list[str]] = {}
        self._weights: dict[str, float] = {}
        self._groups: dict[int, dict[int, list[str]]] = {}
        self._taken: dict[tuple[str, str | int], list[tuple[int, int]]] = {}
        self._counted: set[tuple[tuple[str, str | int], str]] = set()

    def already_counted(self, hit: _Hit, key: tuple[str, str | int]) -> bool:
        """A word counts once per target, and not inside a longer counted word
        (combo group words are never "counted": see ``add``)."""
        if (key, hit.word) in self._counted:
            return True
        taken = self._taken.get(key)
        return taken is not None and any(s < hit.end and hit.start < e for s, e in taken)

    def add(self, hit: _Hit, scoring: _Scoring) -> None:
        role = scoring.role
        if scoring.is_group:
            found = self._groups.get(scoring.combo)
            if found is None:
                found = self._groups[scoring.combo] = {}
            found.setdefault(role.group, []).append(hit.word)
            return
        self._taken.setdefault(scoring.key, []).append((hit.start, hit.end))
        self._counted.add((scoring.key, hit.word))
        target = scoring.target
        weight = role.weight
        if scoring.is_danger:
            self.numbers[target] = self.numbers.get(target, 0.0) + weight
        else:
            self.labels[target] = self.labels.get(target, 0.0) + weight
        if weight:
            rule = scoring.rule
            self._matched.setdefault(rule, []).append(hit.word)
            self._weights[rule] = self._weights.get(rule, 0.0) + weight

    def close_combos(self, combos: list[Combo]) -> None:
        for index, found in self._groups.items():
            combo = combos[index]
            if len(found) < combo.n_groups:
                continue
            words = [w for g in sorted(found) for w in dict.fromkeys(found[g])]
            self.note(f"combo.{combo.name}", words, combo.weight)
            if combo.number is not None:
                self.numbers[combo.number] = self.numbers.get(combo.number, 0.0) + combo.weight
            else:
                self.labels[combo.label] = self.labels.get(combo.label, 0.0) + combo.weight

    def explains(self, prefix: str) -> bool:
        """Whether a rule whose name starts with ``prefix`` fired."""
        return any(rule.startswith(prefix) for rule in self._matched)

    def note(self, rule: str, words: list[str], weight: float) -> None:
        self._matched[rule] = words
        self._weights[rule] = weight

    def matches(self) -> tuple[Match, ...]:
        return tuple(Match(rule, tuple(words), self._weights.get(rule, 0.0))
                     for rule, words in self._matched.items())


