"""Hostile inputs over the API and the command line: every input ends well or in rte's own
error, never in a traceback, a hang, a silent NaN/inf, or a lost or modified user file.

- :mod:`hostile.harness` runs one input in a sandbox folder and classifies its outcome;
- :mod:`hostile.api_cases`, :mod:`hostile.cli_cases` (hypothesis-driven) and
  :mod:`hostile.scripted` (the failures of issue 14, kills and faults during saves,
  hostile model folders) are the groups of inputs;
- ``benchmarks/hostile_inputs.py`` runs every group in full in a worker process under
  timeouts and prints the summary; ``tests/test_hostile.py`` runs a fast slice by default.
"""
