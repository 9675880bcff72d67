"""The workshop app: ssr-sim in the browser (``ssr-sim app``), built on Solara and Mesa's run controls.

Two modes, one page each (``sim.app.pages`` is the Solara app):

- **Explore**: pick a scenario and strategy, move the levers people argue about, step or play
  the model and watch the influence network and the indicators.
- **Workshop**: a facilitator's turn-based game; each turn the room picks one or two
  interventions, the model advances to the next decision point, and at the end the team's
  path is set against the shipped strategies on the same scenario and seeds.

The logic lives in modules that import neither Solara nor a browser (``setup``,
``workshop``, ``difficulty``; ``sources``: what the app may read; ``host_guard``: which
requests it answers), so it is tested and reused without a server; this package's ``__init__``
stays import-light for the same reason.
"""
