"""The state machine's new states and the rollout phases: aborted and superseded items are
settled; phases move only where an operator can take them."""
from __future__ import annotations

import pytest
from skillfleet.domain.model import IllegalTransition, RolloutState, check_transition, is_terminal
from skillfleet.domain.rollout_control import PhaseRefused, RolloutPhase, check_phase

S, P = RolloutState, RolloutPhase


@pytest.mark.parametrize("state", [S.REQUESTED, S.PR_OPEN, S.CONFLICT, S.FAILED])
def test_unfinished_items_can_be_aborted_and_then_never_move(state):
    assert check_transition(state, S.ABORTED)
    assert is_terminal(S.ABORTED)
    with pytest.raises(IllegalTransition):
        check_transition(S.ABORTED, S.PR_OPEN)


def test_merged_items_are_not_aborted():
    with pytest.raises(IllegalTransition, match="merged to aborted"):
        check_transition(S.MERGED, S.ABORTED)


def test_phases_move_only_where_an_operator_can_take_them():
    assert check_phase(P.RUNNING, P.PAUSED, "x") and check_phase(P.PAUSED, P.RUNNING, "x")
    assert not check_phase(P.PAUSED, P.PAUSED, "x")
    assert check_phase(P.DONE, P.ROLLED_BACK, "x") and check_phase(P.ABORTED, P.ROLLED_BACK, "x")
    with pytest.raises(PhaseRefused, match="x: the rollout is aborted and cannot become running"):
        check_phase(P.ABORTED, P.RUNNING, "x")
    with pytest.raises(PhaseRefused):
        check_phase(P.ROLLED_BACK, P.PAUSED, "x")
