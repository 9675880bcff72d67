"""The model's science: small pure functions over numpy arrays, one module per concern.

Nothing here imports Mesa, the model, the scenario schema or the CLI, so the same functions
can drive a batched engine. Each function's docstring states its equation and cites its
source; ``docs/ODD.md`` collects them.
"""
