"""The model's science: small pure functions over numpy arrays, one module per concern.

Nothing here imports Mesa, the model, the scenario schema or the CLI. The functions work on
the last axis and broadcast, so they serve one run or a batch of replications alike: per-actor
and per-pillar arrays may carry a leading replication axis, and an argument typed ``Level``
is a model-level quantity, a float or one value per replication with shape (R, 1). Each function's docstring states its equation and cites its
source; ``docs/ODD.md`` collects them.
"""
