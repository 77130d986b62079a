"""The language-model substrate of the sequence regime, one job per module.

- ``device``: the single place where device and dtype are chosen (cuda + bfloat16 when
  a GPU is visible, else cpu + float32).
- ``backends``: load the packaged SmolLM2 GGUF or a local model directory, offline.
- ``prompts``: tokenise (prompt, answer) pairs with the loss on the answer only.
- ``lora``: LoRA fine-tuning (the budget: :class:`rte.params.LoraParams`) and
  safetensors adapter save / load.
- ``scoring``: batched answer NLL and greedy generation with shared-prefix KV caches.

transformers and peft are optional (``pip install 'relational-task-extrapolator[lm]'``)
and imported only when a model is loaded.
"""
