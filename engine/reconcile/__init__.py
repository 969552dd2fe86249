"""Check riskws's figures against OKX's: read an OKX answer (observation, position-builder response, or balance +
positions responses) and list OKX vs riskws vs difference for every figure both have.

    from engine.reconcile import read_answer, reconcile
    answer = read_answer("obs.json")
    rec = reconcile(answer, answer.portfolio, answer.market, mode="pm", rules=load_rule_set())
"""

from .compare import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, Reconciliation, Row, market_notes, reconcile
from .observation import ACCOUNT, BUILDER, OkxAnswer, answer_from_doc, observation_from_dict, read_answer, read_observations

__all__ = ["ACCOUNT", "BUILDER", "DEFAULT_ABS_TOL", "DEFAULT_REL_TOL", "OkxAnswer", "Reconciliation", "Row",
           "answer_from_doc", "market_notes", "observation_from_dict", "read_answer", "read_observations", "reconcile"]
