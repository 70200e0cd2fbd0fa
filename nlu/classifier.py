"""Classification of one utterance into a Decision.

The learned model (``nlu.linear``, trained on the labelled sentences of
``nlu.training``, features in ``nlu.features``) is the main judge: it gives
the label, how likely an emergency is and which number. The rule engine
(``nlu.engine``, vocabulary in ``data/nlu/rules.yaml``) explains the decision
(``matched``, ``cancelled``) and is the emergency safety net: danger words
that no negation, past or hypothetical cue switched off make the call an
emergency unless the model is sure of the contrary; when it heard no danger
word at all, the model must be surer. Every threshold is in the rule file's
``model`` section, tuned by cross-validation over sources (``nlu.crossval``).

The hot path is one normalisation pass, one jieba cut (without HMM), the rule
scan and one sum of weight rows. Everything slow happens once in
``Classifier()``; the trained model is cached in the instance folder.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np

from .cache import ModelCache
from .decision import Decision
from .engine import Analysis, RuleEngine
from .features import char_keys
from .knowledge import KnowledgeBase
from .linear import LinearModel
from .paths import data_dir, nlu_file
from .routing import Router
from .rules import LABELS, Rules, load_corrections, load_rules
from .segment import Segmenter
from .text import Normalizer
from .training import read_rows, train_model, training_files


class Classifier:
    """Built once from the data files; ``classify`` is cheap and thread-safe.

    ``training`` replaces the shipped training sentences (rows with ``text``,
    ``label`` and ``emergency``), e.g. for cross-validation; ``examples_path``
    uses one file of them instead of the data folder's.
    """

    def __init__(
        self,
        rules_path: Path | None = None,
        corrections_path: Path | None = None,
        userdict_path: Path | None = None,
        routing_path: Path | None = None,
        units_path: Path | None = None,
        kb_path: Path | None = None,
        examples_path: Path | None = None,
        training: list[dict] | None = None,
        cache: ModelCache | None = None,
    ) -> None:
        rules_file = rules_path or nlu_file("rules.yaml")
        self.rules: Rules = load_rules(rules_file)
        corrections_file = corrections_path or nlu_file("corrections.yaml")
        corrections = load_corrections(corrections_file)
        self._normalize = Normalizer(corrections, self.rules.fillers, self.rules.max_chars)
        extra = [w for w in self.rules.lexicon if len(w) > 1]
        userdict = userdict_path or nlu_file("userdict.txt")
        self.segmenter = Segmenter(userdict, extra)
        self.engine = RuleEngine(self.rules)
        self.router = Router.load(
            routing_path or nlu_file("routing.yaml"), units_path or data_dir() / "units.yaml"
        )
        self.kb = KnowledgeBase.load(
            kb_path or nlu_file("knowledge_base.yaml"),
            self.segmenter,
            self._normalize,
            self.rules.kb_stopwords,
        )
        self.model: LinearModel | None = None
        if self.rules.model_weight > 0:
            if training is None:
                files = [examples_path] if examples_path else training_files(nlu_file(""))
                training = read_rows(files)
                if cache is None and examples_path is None:
                    cache = ModelCache.default()
            if training:
                inputs = [rules_file, corrections_file, userdict]
                self.model = self._train(training, inputs, cache)

    # -- training ---------------------------------------------------------------

    def features(self, text: str) -> np.ndarray:
        """What the model sees of a text: the n-gram keys of its normalised form."""
        return char_keys(self._normalize(text if isinstance(text, str) else ""))

    def _train(self, rows: list[dict], inputs: list[Path], cache: ModelCache | None,
               ) -> LinearModel:
        key = cache.key(rows, inputs, self.rules.model_c) if cache else ""
        if cache is not None:
            found = cache.load(key)
            if found is not None:
                return found
        model = train_model([self.features(row["text"]) for row in rows], rows,
                            self.rules.model_c)
        if cache is not None:
            cache.save(key, model)
        return model

    # -- public -------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """The text as the rules and the model see it."""
        return self._normalize(text if isinstance(text, str) else "")

    def classify(self, text: str) -> Decision:
        """The decision for one utterance; any input gets a valid answer."""
        raw = text if isinstance(text, str) else ""
        norm = self._normalize(raw)
        # the rules and the router only need word boundaries: no HMM guesses
        tokens = self.segmenter.cut(norm, hmm=False)
        analysis = self.engine.analyse(norm, tokens)
        if self.model is None or len(norm) < self.rules.model_min_chars:
            # no model, or a few syllables that give it too little to go on
            return self._decide_by_rules(raw, norm, tokens, analysis)
        return self._decide(raw, norm, tokens, analysis)

    # -- internals ------------------------------------------------------------

    def _decide(self, raw: str, norm: str, tokens: list[str], analysis: Analysis) -> Decision:
        rules = self.rules
        model = self.model
        assert model is not None
        tally = analysis.tally
        encoded = model.encode(char_keys(norm))
        logits = model.logits(encoded)
        posterior = model.probabilities(logits, "labels")
        p_em = self._danger(model, logits)
        # Without a rule word, the model alone must have met most of the text
        # before (the unknown n-grams of a foreign language or noise say nothing).
        said = bool(tally.labels) or encoded.known >= rules.model_min_coverage
        cancelled = tuple(tally.cancelled)
        scores = {k: round(v, 3) for k, v in posterior.items() if v >= 0.01}
        scores["emergency"] = round(p_em, 3)

        # Emergency: how sure the model must be depends on what the rules heard:
        # hardly at all when their danger words make a strong emergency (only a
        # model sure of the contrary, e.g. a question about fire safety, says
        # no), little when they make a weaker one (the safety net), more when
        # danger words were heard but switched off or too weak, or when no
        # danger word was heard at all (the model alone).
        if analysis.emergency and analysis.danger >= rules.model_rules_win:
            needed = rules.model_veto
        elif analysis.emergency:
            needed = rules.model_rule_floor
        elif analysis.danger > 0 or tally.cancelled:
            needed = rules.model_emergency
        else:
            needed = rules.model_alone
        if (said or analysis.emergency) and p_em >= needed:
            number = self._number(model, logits, analysis)
            if not tally.explains("emergency."):  # the rules saw no danger: say why
                tally.note("model.emergency", model.evidence(encoded, "danger", "emergency"),
                           round(p_em, 3))
            confidence = max(p_em, min(1.0, analysis.danger / (2 * rules.emergency_threshold)))
            low = p_em < rules.model_sure and not analysis.emergency
            return Decision(raw, "emergency", number, confidence, low, tally.matches(),
                            cancelled, scores=scores)

        rest = 1.0 - posterior["emergency"]
        label = max((k for k in posterior if k != "emergency"), key=posterior.__getitem__)
        confidence = posterior[label] / rest if rest > 0 else 0.0
        if not said:
            label, confidence = rules.fallback_label, 0.0
        elif not tally.explains(label):  # the rules say nothing for the label
            tally.note("model.examples", model.evidence(encoded, "labels", label),
                       round(posterior[label], 3))
        # A call the model finds somewhat likely to be an emergency, or with a
        # danger score worth a second look, also goes to an agent.
        low = (confidence < rules.model_low_confidence or p_em >= rules.model_review
               or analysis.danger >= rules.review_danger)
        kb_id = kb_score = None
        if label == "inquiry":
            found = self.kb.search_tokens(tokens, 1) if self.kb.entries else []
            if found:
                kb_score = found[0][1]
                if kb_score >= rules.kb_threshold:
                    kb_id = found[0][0].id
        unit = self.router.route(label, norm, tokens)
        return Decision(raw, label, None, confidence, low, tally.matches(), cancelled,
                        unit, kb_id, kb_score, scores)

    def _danger(self, model: LinearModel, logits: list[float]) -> float:
        """How likely an emergency is: the support-vector machine's log-odds mixed
        with a share of naive Bayes' (a second opinion that errs differently)."""
        rules = self.rules
        odds = model.margin(logits, "danger", "emergency")
        if "danger_nb" in model.heads and rules.model_bayes_weight:
            w = rules.model_bayes_weight
            odds = (1 - w) * odds + w * rules.model_bayes_scale * model.margin(
                logits, "danger_nb", "emergency")
        return 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, odds))))

    def _number(self, model: LinearModel, logits: list[float], analysis: Analysis) -> str:
        """The number model's choice when it is sure, else the number the rules'
        danger words point to (violence first), else the model's best guess."""
        chance = model.probabilities(logits, "numbers")
        best = max(chance, key=chance.__getitem__)
        if chance[best] >= self.rules.model_number_sure or analysis.number is None:
            return best
        return analysis.number

    def _decide_by_rules(self, raw: str, norm: str, tokens: list[str],
                         analysis: Analysis) -> Decision:
        """The rules alone (no training sentences, or the model switched off)."""
        rules = self.rules
        tally = analysis.tally
        labels = dict(tally.labels)
        danger = analysis.danger
        scores = {label: round(score, 3) for label, score in labels.items() if score > 0}
        if danger > 0:
            scores["emergency"] = round(danger, 3)
        cancelled = tuple(tally.cancelled)
        threshold = rules.emergency_threshold
        if analysis.emergency and analysis.number is not None:
            floor = rules.emergency_min_confidence
            if danger >= threshold:
                confidence = min(1.0, floor + (1.0 - floor) * (danger - threshold) / threshold)
            else:
                confidence = floor * danger / threshold
            low = confidence < rules.low_confidence or danger < threshold
            return Decision(raw, "emergency", analysis.number, confidence, low,
                            tally.matches(), cancelled, scores=scores)
        top_other = max(labels.values(), default=0.0)
        maybe_inquiry = labels.get("inquiry", 0.0) > 0 or top_other <= rules.kb_boost
        found = self.kb.search_tokens(tokens, 1) if maybe_inquiry and self.kb.entries else []
        boosted = bool(found and rules.kb_boost and found[0][1] >= rules.kb_boost_score)
        if boosted:
            labels["inquiry"] = labels.get("inquiry", 0.0) + rules.kb_boost
            scores["inquiry"] = round(labels["inquiry"], 3)
            tally.note("knowledge_base", [found[0][0].id], rules.kb_boost)
        ranked = sorted(labels.items(), key=lambda kv: (-kv[1], self._tie_rank(kv[0])))
        if not ranked or ranked[0][1] <= 0:
            label, confidence = rules.fallback_label, 0.0
        else:
            label, top = ranked[0]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            confidence = top / (top + rules.saturation) * (0.5 + 0.5 * (top - second) / top)
        low = confidence < rules.low_confidence or danger >= rules.review_danger
        kb_id = kb_score = None
        if label == "inquiry" and found:
            kb_score = found[0][1]
            if kb_score >= rules.kb_threshold:
                kb_id = found[0][0].id
        unit = self.router.route(label, norm, tokens)
        return Decision(raw, label, None, confidence, low, tally.matches(), cancelled,
                        unit, kb_id, kb_score, scores)

    def _tie_rank(self, label: str) -> int:
        order = self.rules.tie_order
        return order.index(label) if label in order else len(LABELS)


_default: Classifier | None = None
_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The classifier built from the data folder, created on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Classifier()
    return _default


def reset_default() -> None:
    """Forget the cached classifier (after the data files changed)."""
    global _default
    with _lock:
        _default = None


def classify(text: str) -> Decision:
    """Classify with the default classifier."""
    return default_classifier().classify(text)
