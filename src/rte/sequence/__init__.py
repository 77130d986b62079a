"""Sequence regime: a causal language model fine-tuned with LoRA as the relational operator.

Psi is a pretrained causal LM; a prompt carries the query input, the anchor task's
output on it and a description of the transformation phi. The bank is stored
examples only; an anchor's output on a new input comes from a model of the bank
(Psi along the anchor's relation path), never from its generator. A new task is
decomposed by likelihood scoring: the candidate (anchor, phi) from the bank's
relation structure whose prompts give the target's context outputs the lowest
negative log-likelihood wins. transformers and peft are optional (``pip install
'relational-task-extrapolator[lm]'``) and imported only when a model is loaded.

The estimators live beside the other regimes' ones: ``rte.models.sequence``
(``SequenceRTE``), ``rte.baselines.lm`` (``SFT``, ``FewShot``) and
``rte.baselines.symbolic_search`` (``SymbolicSearch``). This package
holds what they and the runner are built from, one job per module:

- ``device``: the single place where device and dtype are chosen.
- ``backends``: load the packaged SmolLM2 GGUF or a local model directory, offline.
- ``tasks``: the decomposition / relation / target / split / stored-bank records and the
  suite contract.
- ``parity``, ``strings``: the two task suites.
- ``prompts``: tokenise (prompt, answer) pairs with the loss on the answer only.
- ``lora``: the declared LoRA budget, LoRA fine-tuning and safetensors adapter save / load.
- ``scoring``: batched answer NLL and greedy generation with shared-prefix KV caches.
- ``search``: the model of the bank (anchor outputs), the tie rule, the pruned search.
- ``suite``: the suite configs and runner (every row on every seed, jobs in worker
  processes), intervals, table and plot.
"""
