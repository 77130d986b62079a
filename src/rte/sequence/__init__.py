"""Sequence regime: a causal language model fine-tuned with LoRA as the relational operator.

Psi is a pretrained causal LM; a prompt carries the anchor task's output on the
query input, a description of the transformation phi and the query input. A new
task is decomposed by likelihood scoring: the candidate (anchor, phi) whose
prompts give the target's context outputs the lowest negative log-likelihood
wins. transformers and peft are optional (``pip install
'relational-task-extrapolator[lm]'``) and imported only when a model is loaded.

Modules, one job each:

- ``device``: the single place where device and dtype are chosen.
- ``backends``: load the packaged SmolLM2 GGUF or a local model directory, offline.
- ``tasks``: the task / decomposition / target records both suites share.
- ``parity``, ``strings``: the two task suites.
- ``prompts``: tokenise (prompt, answer) pairs with the loss on the answer only.
- ``lora``: LoRA fine-tuning and safetensors adapter save / load.
- ``scoring``: batched answer NLL, candidate ranking, greedy answers.
- ``methods``: rte, sft, few_shot and oracle on one suite and seed.
- ``suite``: the benchmark runner, table and plot; ``cli`` the Typer commands.
"""
