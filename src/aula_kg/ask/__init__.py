"""Ask in French (or English): a planner's question answered with the stored queries.

``normalise`` (the question as words), ``values`` (the values it names, through the
parameters' own name resolver), ``intent`` (which stored query it asks), ``interpret``
(both together, or an abstention), ``answer`` (the stored query answered through
:mod:`aula_kg.answering`, and the JSON every face gives). Deterministic: no network, no
model, no randomness.
"""

from .answer import Asked, ask, ask_sync, interpreter_for, to_json, understood
from .interpret import Choice, Interpretation, Interpreter

__all__ = ["Asked", "Choice", "Interpretation", "Interpreter", "ask", "ask_sync",
           "interpreter_for", "to_json", "understood"]
