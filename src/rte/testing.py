"""Check that a method keeps the contract every method of rte keeps (scikit-learn's
``check_estimator`` idea), and tiny in-process language models for sequence methods.

:func:`check_method` runs an estimator through the rules the benchmark runner relies
on: declared and documented hyperparameters, ``clone`` / ``get_params`` /
``set_params``, an error before ``fit``, ``fit`` returning ``self``, declared fitted
attributes, finite predictions of the right shape, determinism per seed, bad
hyperparameters refused with the field's name, and, on a tiny fixed problem, an error
far below that of wrong answers (zeros, the context mean, the piecewise-linear
interpolation of the context, and for relational methods the anchor's own curve)::

    from rte.testing import check_method
    check_method(MyMethod(steps=300))          # raises AssertionError naming the rule

The project's own contract test runs it over every registered method. Tiny task
tables (:func:`bank_frame`, :func:`context_frames`) and :data:`TINY_RTE` settings serve
tests of table pipelines. Sequence
methods (``answer(target)``) are checked on a tiny parity bank with
:func:`tiny_language_model`, a 2-layer Llama with random weights and a
character-level tokenizer built in memory (no files, no network; needs the extra
``lm``). Their accuracy is checked on :func:`xor_problem`, whose tiny model has been
taught the problem's formats for a few seconds (:func:`taught_language_model`): a
random tiny model learns nothing in a few LoRA steps, a taught one answers, so a
method whose answers are replaced by a constant fails :func:`check_sequence_accuracy`.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rte._optional import require
from rte._params import field_type, fields
from rte.errors import NotFittedError, ValidationError

SPECIALS = ("<pad>", "<eos>", "<unk>")
# Characters beyond printable ASCII that the sequence tasks write.
EXTRA_CHARACTERS = ("∘",)
# A method's error on its tiny problem must be at most this share of the best wrong
# answer's.
SHARE = 0.25
# The wrong answer that reads the context alone: its piecewise-linear interpolation.
INTERPOLATION = "context interpolation"


@dataclass(frozen=True)
class Problem:
    """A tiny fixed problem: the bank a method fits and the targets it is scored on.

    ``language_model`` is set for sequence problems (``fit(bank, language_model)``).
    """

    bank: Any
    targets: Any
    language_model: Any = None


def _quadratic() -> Any:
    from rte.tasks.family import _FAMILIES, TaskFamily

    family = TaskFamily("testing_quadratic", lambda x, theta: theta * x**2, (1.0, 3.0), (-3.0, 3.0))
    _FAMILIES.setdefault(family.name, family)  # family_fit looks the form up by name
    return _FAMILIES[family.name]


@cache
def function_problem(band: str = "F2") -> Problem:
    """A 40-task quadratic bank (theta x^2, theta in [1, 3]) and 10 noisy-context targets of
    ``band`` (F2: beyond the support; in_support: inside it)."""
    from rte.tasks.bank import sample_bank, sample_targets

    family = _quadratic()
    bank = sample_bank(family, 40, 32, np.random.default_rng(0))
    seed = 1 if band == "in_support" else 2
    targets = sample_targets(family, band, 10, np.random.default_rng(seed), n_query=30)
    return Problem(bank, targets)


@cache
def composition_problem(candidates: str = "bank") -> Problem:
    """Five string-free primitives, two held-out compositions, noiseless contexts; every
    bank task may anchor (``candidates="band"``: the primitives only, the ablation)."""
    from rte.tasks.composition import CompositionTasks

    tasks = CompositionTasks(
        primitives=("sin", "square", "neg", "shift_up", "cube"),
        held_out=(("sin", "square"), ("neg", "cube")),
        candidates=candidates,
    )
    targets = tasks.targets(
        "unseen", tasks.held_out, 3, np.random.default_rng(1), noise=0.0, context_size=12
    )
    return Problem(tasks.bank(32), targets)


@cache
def length_problem() -> Problem:
    """24 Horner chains at depths 1..8, noiseless depth-9 targets."""
    from rte.tasks.length import LengthTasks

    tasks = LengthTasks.sample(24, np.random.default_rng(0))
    targets = tasks.targets("L9", [9], 6, np.random.default_rng(1), noise=0.0, context_size=12)
    return Problem(tasks.bank(64), targets)


def sequence_problem(seed: int = 0) -> Problem:
    """A small parity bank (10 bits, |S| <= 2, 3 targets of |S| = 3) and a tiny language
    model: enough to run a sequence method end to end in seconds."""
    from rte.tasks.parity import ParityTasks

    split = ParityTasks(max_train_size=2, n_targets=3, n_queries=4, n_stored=16).split(
        np.random.default_rng(seed)
    )
    return Problem(split.bank, split.targets, tiny_language_model(seed))


def context_interpolation(targets: Any) -> np.ndarray | None:
    """Piecewise-linear interpolation of each target's context at its queries, constant
    beyond the outermost context points, (T, Q): what the context alone gives without a
    bank or a model. None for inputs of more than one dimension."""
    if targets.context_x.shape[-1] != 1:
        return None
    rows = zip(targets.context_x[..., 0], targets.context_y, targets.query_x[..., 0], strict=True)
    out = []
    for cx, cy, qx in rows:
        order = np.argsort(cx, kind="stable")
        out.append(np.interp(qx, cx[order], cy[order]))
    return np.stack(out)


# Training steps, batch and learning rate that teach the tiny model xor_problem's formats.
TEACH = {"steps": 200, "batch_size": 32, "lr": 3e-3}
# A sequence method's accuracy must beat the best constant answer's by this much.
SEQUENCE_MARGIN = 0.3


@cache
def xor_problem(target: str = "a,b") -> Problem:
    """Parity of bits a and b from a bank that stores only each bit alone.

    The bank (10-bit inputs, 16 stored examples per task) holds the empty subset and
    the subsets {a} and {b}, related by adding a bit; candidates are (∅, a), (∅, b),
    ({a}, b) and ({b}, a); four targets of 8 context pairs and 8 queries are
    x_a XOR x_b, one relation beyond the bank. With ``target="a"`` the targets copy
    bit a from 3 context pairs instead: the problem of the methods that read the
    context as few-shot demonstrations (a tiny model cannot infer a parity from
    them). The language model is :func:`taught_language_model`.
    """
    from rte.tasks.parity import ParityTasks
    from rte.tasks.sequence import Relation, SequenceDecomposition, make_target, stored_bank

    kind = ParityTasks(max_train_size=1, n_context=8, n_queries=8, n_stored=16, n_targets=4)
    rng = np.random.default_rng(0)
    relations = (Relation("", "a", "a"), Relation("", "b", "b"))
    pairs = [("", "a"), ("", "b"), ("a", "b"), ("b", "a")]
    candidates = tuple(SequenceDecomposition(a, phi) for a, phi in pairs)
    bank = stored_bank(kind, "", relations, candidates, rng)
    truth = SequenceDecomposition(*(("a", "b") if target == "a,b" else ("", "a")))
    shown = 8 if target == "a,b" else 3
    targets = tuple(
        make_target(kind, truth, "S2", rng, candidates, n_context=shown, n_queries=8)
        for _ in range(kind.n_targets)
    )
    return Problem(bank, targets, taught_language_model())


@cache
def taught_language_model(seed: int = 0) -> Any:
    """A tiny model (hidden size 64) fully fine-tuned for a few seconds on
    :func:`xor_problem`'s formats: Psi's chains for adding bit a or b to either anchor
    bit, and few-shot prompts (1 to 3 demonstrations) of copying bit a, answered with
    the output and a newline.

    It stands in for a pretrained model that knows the formats, as SmolLM2 knows
    letters and digits: the methods' own LoRA steps then adapt, not teach. Cached per
    process; methods fitted on it must release their adapters (they do).
    """
    import torch

    from rte.lm.backends import LanguageModel
    from rte.lm.device import select_placement
    from rte.lm.lora import answer_loss
    from rte.lm.prompts import Encoder, Example
    from rte.tasks.parity import ParityTasks

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer), seed, hidden=64)
    encoder = Encoder(tokenizer)
    kind = ParityTasks(n_context=8)
    rng = np.random.default_rng([seed, 7])

    def example() -> Example:
        x = kind.sample_input(rng)
        if rng.random() < 0.5:
            phi, anchor = "ab"[int(rng.integers(2))], str(int(rng.integers(2)))
            y = kind.apply_phi(phi, anchor, x)
            return Example(kind.psi_prompt(x, anchor, phi), kind.psi_answer(x, anchor, phi, y))
        demos = [kind.sample_input(rng) for _ in range(int(rng.integers(1, 4)))]
        context = tuple((d, d[0]) for d in demos)
        return Example(kind.fewshot_prompt(context, x), f" {x[0]}\n")

    optimiser = torch.optim.AdamW(model.parameters(), lr=TEACH["lr"])
    model.train()
    for _ in range(TEACH["steps"]):
        batch = encoder.encode([example() for _ in range(TEACH["batch_size"])], left_pad=True)
        answer_loss(model, batch, "cpu").backward()
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
    model.eval()
    return LanguageModel(model, tokenizer, select_placement("cpu"), "tiny-taught")


def constant_accuracy(problem: Problem) -> float:
    """The best accuracy one constant answer, the same for every target, gets on
    ``problem``'s queries."""
    outputs = [y for t in problem.targets for _, y in t.queries]
    return max(outputs.count(y) for y in set(outputs)) / len(outputs)


def check_sequence_accuracy(
    method: Any, problem: Problem | None = None, *, margin: float = SEQUENCE_MARGIN
) -> float:
    """Fit a sequence method on ``problem`` (default :func:`xor_problem`) and assert its
    accuracy is at least the best answer that needs no method (each target's most common
    context output, or one constant for all) plus ``margin``; returns the accuracy."""
    problem = problem or xor_problem()
    _fit(method, problem)
    accuracy = sequence_accuracy(method, problem)
    if hasattr(method, "release"):
        method.release()
    wrong = {**sequence_wrong_answers(problem), "best constant": constant_accuracy(problem)}
    assert accuracy >= max(wrong.values()) + margin, (
        f"{type(method).__name__}: accuracy {accuracy:.3f}; wrong answers give "
        f"{ {k: round(v, 3) for k, v in wrong.items()} }"
    )
    return accuracy


def wrong_answers(problem: Problem, relational: bool) -> dict[str, float]:
    """MSE of zeros, of the context mean, of the piecewise-linear interpolation of the
    context (1-D inputs: a bank-free answer that extrapolates nothing) and
    (``relational``) of the bank curve closest to each target's truth: no copy of an
    anchor can do better."""
    bank, targets = problem.bank, problem.targets
    errors = {
        "zeros": _mse(np.zeros_like(targets.query_y), targets.query_y),
        "context mean": _mse(
            np.broadcast_to(targets.context_y.mean(1, keepdims=True), targets.query_y.shape),
            targets.query_y,
        ),
    }
    interpolation = context_interpolation(targets)
    if interpolation is not None:
        errors[INTERPOLATION] = _mse(interpolation, targets.query_y)
    if relational:
        grid = bank.x[0, :, 0]
        curves = np.stack([np.interp(targets.query_x[0, :, 0], grid, y) for y in bank.y])
        errors["anchor's curve"] = float(
            np.mean(((curves[None] - targets.query_y[:, None]) ** 2).mean(-1).min(1))
        )
    return errors


def constant_answer(target: Any) -> tuple[str, ...]:
    """One sequence target's most common context output (the first seen, on a tie), given
    for every query: an answer that uses nothing of the bank or of the query inputs."""
    outputs = [y for _, y in target.context]
    return (max(outputs, key=outputs.count),) * len(target.queries)


def sequence_accuracy(fitted: Any, problem: Problem) -> float:
    """Share of the queries of every target of a sequence ``problem`` that a fitted
    sequence method (``answer(target)``) answers exactly right: the sequence suites'
    accuracy / exact_match. A sequence method's accuracy test compares it with
    :func:`sequence_wrong_answers` (``benchmarks/check_wrong_answers.py`` substitutes
    :func:`constant_answer` and requires that test to fail)."""
    return _exact_share([fitted.answer(t).outputs for t in problem.targets], problem)


def sequence_wrong_answers(problem: Problem) -> dict[str, float]:
    """Accuracy of answers that need no method, on a sequence ``problem``: each target's
    most common context output for every query (:func:`constant_answer`)."""
    return {"constant": _exact_share([constant_answer(t) for t in problem.targets], problem)}


def _exact_share(answers: list[tuple[str, ...]], problem: Problem) -> float:
    right = [
        p == y
        for outputs, target in zip(answers, problem.targets, strict=True)
        for p, (_, y) in zip(outputs, target.queries, strict=True)
    ]
    return float(np.mean(right))


def check_method(
    method: Any, problem: Problem | None = None, *, accuracy: bool = True, share: float = SHARE
) -> None:
    """Run ``method`` (an estimator instance, with the options to check it with) through
    the contract; raise AssertionError naming the first rule it breaks.

    ``problem`` defaults to :func:`function_problem` (far targets for relational
    methods, in-support ones for the others) or, for sequence methods,
    :func:`sequence_problem`. ``accuracy`` adds the check against wrong answers
    (function methods): the method's MSE must be below ``share`` times the best wrong
    answer's.
    """
    from sklearn.base import clone

    cls = type(method)
    sequence = callable(getattr(cls, "answer", None))
    relational = bool(getattr(cls, "relational", False))
    if problem is None:
        if sequence:
            problem = sequence_problem()
        else:
            problem = function_problem("F2" if relational else "in_support")
    _check_declaration(cls)
    _check_params(method, clone)
    predict = _predictor(sequence, problem)
    try:
        predict(clone(method))
    except NotFittedError:
        pass
    else:
        raise AssertionError(f"{cls.__name__} predicted before fit; expected NotFittedError.")
    fitted = _fit(clone(method), problem)
    _check_fitted_attributes(fitted)
    first = predict(fitted)
    again = predict(_fit(clone(method), problem))
    if sequence:
        _check_answers(cls, first, again, problem)
        return
    truth = problem.targets.query_y
    assert first.shape == truth.shape, (
        f"{cls.__name__} predicted shape {first.shape}; expected {truth.shape}."
    )
    assert np.all(np.isfinite(first)), f"{cls.__name__} predicted non-finite values."
    np.testing.assert_allclose(
        first, again, rtol=1e-6, atol=1e-8, err_msg=f"{cls.__name__} is not deterministic."
    )
    _check_distribution(fitted, problem)
    _check_bad_hyperparameters(method, problem)
    if accuracy:
        check_accuracy(fitted, problem, relational=relational, share=share)


def check_accuracy(
    fitted: Any, problem: Problem, *, relational: bool = False, share: float = SHARE
) -> float:
    """Assert that a fitted function method's MSE on ``problem`` is below ``share`` times
    the best wrong answer's (:func:`wrong_answers`); with a ``correction`` option, Psi
    alone must be accurate too (a correction fitted on the context could hide a broken
    operator). Returns the MSE."""
    truth = problem.targets.query_y
    error = _mse(fitted.predict_targets(_seen(fitted, problem.targets)), truth)
    wrong = wrong_answers(problem, relational)
    allowed = share * min(wrong.values())
    name = type(fitted).__name__
    assert error < allowed, f"{name}: MSE {error:.4g}; wrong answers give {wrong}"
    if "correction" in fitted.get_params():
        original = fitted.correction
        fitted.set_params(correction="none")
        alone = _mse(fitted.predict_targets(_seen(fitted, problem.targets)), truth)
        fitted.set_params(correction=original)
        assert alone < allowed, (
            f"{name} without correction: MSE {alone:.4g}; wrong answers give {wrong}"
        )
    return error


def _seen(method: Any, targets: Any) -> Any:
    """``targets`` as the runner shows them to ``method``: the fields its codes allow."""
    return targets.view(method.sees, type(method).__name__) if hasattr(targets, "view") else targets


def _mse(pred: Any, truth: np.ndarray) -> float:
    return float(np.mean((np.asarray(pred) - truth) ** 2))


def _fit(method: Any, problem: Problem) -> Any:
    """Fit ``method`` on the problem's bank as the runner does: through the view its
    access codes allow."""
    uses_lm = type(method).uses_language_model
    bank = problem.bank
    if hasattr(bank, "view"):
        bank = bank.view(method.sees, type(method).__name__)
    out = method.fit(bank, problem.language_model) if uses_lm else method.fit(bank)
    assert out is method, f"{type(method).__name__}.fit must return self."
    return method


def _predictor(sequence: bool, problem: Problem) -> Callable[[Any], Any]:
    if not sequence:
        return lambda method: np.asarray(
            method.predict_targets(_seen(method, problem.targets)), dtype=float
        )

    def answer_all(method: Any) -> list[tuple[str, ...]]:
        outputs = [method.answer(t).outputs for t in problem.targets]
        if hasattr(method, "release") and hasattr(method, "model_"):
            method.release()  # the next fit starts from the base model again
        return outputs

    return answer_all


def _check_declaration(cls: type) -> None:
    from rte.access import check_sees

    check_sees(cls.sees, cls.__name__)
    doc = cls.__doc__ or ""
    assert "Parameters\n----------" in doc, (
        f"{cls.__name__} has no generated Parameters section: declare it with "
        "@rte.base.estimator(...)."
    )
    for name in cls.fitted_attributes():
        assert name.endswith("_") and not name.startswith("_"), (
            f"{cls.__name__} declares fitted attribute {name!r}; fitted attributes end with '_'."
        )


def _check_params(method: Any, clone: Callable[[Any], Any]) -> None:
    cls = type(method)
    copy = clone(method)
    assert copy is not method and copy.get_params() == method.get_params(), (
        f"{cls.__name__}: clone does not keep the hyperparameters."
    )
    assert cls(**method.get_params()).get_params() == method.get_params(), (
        f"{cls.__name__}: the constructor does not store its keyword arguments as given."
    )
    assert copy.set_params(seed=copy.seed) is copy, f"{cls.__name__}.set_params must return self."
    try:
        cls(no_such_option=1)
    except ValidationError as exc:
        assert "no_such_option" in str(exc), f"{cls.__name__}: {exc}"
    else:
        raise AssertionError(f"{cls.__name__} accepted an unknown hyperparameter.")


def _check_fitted_attributes(method: Any) -> None:
    cls = type(method)
    declared = cls.fitted_attributes()
    present = {k for k in vars(method) if k.endswith("_") and not k.startswith("_")}
    undeclared = sorted(present - set(declared))
    assert not undeclared, (
        f"{cls.__name__} sets undeclared fitted attributes {undeclared}: declare them in its "
        "`fitted` (or `cached`) class attribute."
    )
    missing = sorted(set(_own_fitted(cls)) - present)
    assert not missing, f"{cls.__name__} declares {missing} in `fitted` but fit did not set them."


def _own_fitted(cls: type) -> dict[str, str]:
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        out.update(vars(klass).get("fitted", {}))
    return out


def _check_distribution(fitted: Any, problem: Problem) -> None:
    distribution = getattr(fitted, "predict_distribution", None)
    if distribution is None:
        return
    mean, std = distribution(_seen(fitted, problem.targets))
    shape = problem.targets.query_y.shape
    assert np.shape(mean) == shape, f"{type(fitted).__name__}: predictive mean of wrong shape."
    if std is not None:
        std = np.asarray(std)
        assert std.shape == shape and np.all(std >= 0) and np.all(np.isfinite(std)), (
            f"{type(fitted).__name__}: predictive std must be finite, >= 0 and of shape {shape}."
        )


def _bad_value(kind: Any) -> Any:
    import typing

    args = [a for a in typing.get_args(kind) if a is not type(None)]
    inner = args[0] if args and type(None) in typing.get_args(kind) else kind
    if inner is bool:
        return None
    if inner in (int, float):
        return -1
    if inner is str:
        return "\x00not-a-choice"
    if typing.get_origin(inner) is tuple:
        return ()
    return None


def _check_bad_hyperparameters(method: Any, problem: Problem) -> None:
    """A declared check refuses a bad value with the field's name, in ``fit``, before work."""
    cls = type(method)
    for f in fields(cls):
        if f.metadata.get("check") is None:
            continue
        bad = _bad_value(field_type(cls, f.name))
        if bad is None:
            continue
        try:
            f.metadata["check"](bad, f.name)
        except ValidationError:
            pass
        else:
            continue  # the field legitimately accepts it
        broken = cls(**{**method.get_params(), f.name: bad})
        try:
            broken.fit(problem.bank)
        except ValidationError as exc:
            assert f.name in str(exc), f"{cls.__name__}: the error {exc!r} does not name {f.name}."
        else:
            raise AssertionError(f"{cls.__name__}.fit accepted {f.name}={bad!r}.")


def _check_answers(cls: type, first: list, again: list, problem: Problem) -> None:
    for outputs, target in zip(first, problem.targets, strict=True):
        assert len(outputs) == len(target.queries) and all(isinstance(o, str) for o in outputs), (
            f"{cls.__name__}.answer must give one string per query input."
        )
    assert first == again, f"{cls.__name__} is not deterministic."


# RTE settings small enough that a fit takes well under a second on one busy core.
TINY_RTE = {
    "steps": 30,
    "width": 16,
    "depth": 1,
    "probe_width": 16,
    "batch_size": 64,
    "embedding_dim": 3,
}


def bank_frame(n_tasks: int = 8, n_points: int = 12, dim: int = 1, seed: int = 0) -> Any:
    """A valid long-format bank table (a pandas DataFrame): y = a * |x|^2 + x_last per
    task, parameter column a."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for t, a in enumerate(np.linspace(1.0, 2.0, n_tasks)):
        x = rng.uniform(-2, 2, (n_points, dim))
        y = a * (x**2).sum(1) + x[:, -1]
        for xi, yi in zip(x, y, strict=True):
            rows.append({"task": f"t{t}", **_inputs(xi), "y": yi, "a": a})
    return pd.DataFrame(rows)


def context_frames(dim: int = 1, a: float = 3.0, seed: int = 1) -> tuple[Any, Any]:
    """A context table (8 points) and a query table (5 points) of one target task."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (8, dim))
    q = rng.uniform(-2, 2, (5, dim))
    ctx = pd.DataFrame([{"task": "new", **_inputs(xi)} for xi in x])
    ctx["y"] = a * (x**2).sum(1) + x[:, -1]
    return ctx, pd.DataFrame([{"task": "new", **_inputs(qi)} for qi in q])


def _inputs(x: np.ndarray) -> dict[str, float]:
    if len(x) == 1:
        return {"x": float(x[0])}
    return {f"x{i + 1}": float(v) for i, v in enumerate(x)}


def tiny_tokenizer() -> Any:
    """A character-level fast tokenizer over printable ASCII (one token per character)."""
    transformers = require("transformers", "lm", "rte.testing")
    from tokenizers import Tokenizer, decoders, models

    chars = [c for c in string.printable if c not in "\r\x0b\x0c"] + list(EXTRA_CHARACTERS)
    vocab = {tok: i for i, tok in enumerate([*SPECIALS, *chars])}
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.decoder = decoders.Fuse()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>"
    )


def tiny_model(vocab_size: int, seed: int = 0, hidden: int = 32) -> Any:
    """A 2-layer Llama with hidden size ``hidden`` and random weights, in eval mode."""
    import torch

    transformers = require("transformers", "lm", "rte.testing")
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=512,
        pad_token_id=0,
        eos_token_id=1,
        bos_token_id=1,
    )
    return transformers.LlamaForCausalLM(config).eval()


def tiny_language_model(seed: int = 0) -> Any:
    """A :class:`rte.lm.backends.LanguageModel` wrapping :func:`tiny_model` on the CPU."""
    from rte.lm.backends import LanguageModel
    from rte.lm.device import select_placement

    tokenizer = tiny_tokenizer()
    model = tiny_model(len(tokenizer), seed)
    return LanguageModel(model, tokenizer, select_placement("cpu"), "tiny")


def save_tiny_model(folder: str | Path, seed: int = 0) -> Path:
    """Write a tiny model and its tokenizer to ``folder``, as a user passes with --model."""
    out = Path(folder)
    tokenizer = tiny_tokenizer()
    tiny_model(len(tokenizer), seed).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
