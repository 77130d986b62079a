"""Sequence regime: a causal language model fine-tuned with LoRA as the relational operator.

Psi is a pretrained causal LM; a prompt carries the anchor task's output on the
query input, a description of the transformation phi and the query input. A new
task is decomposed by likelihood scoring: the candidate (anchor, phi) whose
prompts give the target's context outputs the lowest negative log-likelihood
wins. transformers and peft are optional (``pip install
'relational-task-extrapolator[lm]'``) and imported only when a model is loaded.

The estimators live beside the other regimes' ones: ``rte.models.sequence``
(``SequenceRTE``) and ``rte.baselines.lm`` (``SFT``, ``FewShot``). This package
holds what they and the runner are built from, one job per module:

- ``device``: the single place where device and dtype are chosen.
- ``backends``: load the packaged SmolLM2 GGUF or a local model directory, offline.
- ``tasks``: the decomposition / target / split / bank records and the suite contract.
- ``parity``, ``strings``: the two task suites.
- ``prompts``: tokenise (prompt, answer) pairs with the loss on the answer only.
- ``lora``: the declared LoRA budget, LoRA fine-tuning and safetensors adapter save / load.
- ``scoring``: batched answer NLL, candidate ranking, answers to prompts.
- ``suite``: the suite configs and runner (rte, sft, few_shot, oracle on every seed),
  table and plot.
"""
