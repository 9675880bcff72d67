"""Fuzzing the user-facing entries (issue 14): scenario files, experiment files and CLI flags.

``test_corpus.py`` runs the committed corpus (``corpus/``) through the CLI in subprocesses;
``test_generated.py`` generates inputs with hypothesis (its docstring says how to run the long fuzz).
"""
