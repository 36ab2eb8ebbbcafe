import pytest

from tests.factories import TurnFactory


@pytest.mark.django_db
def test_a_turn_belongs_to_its_session_and_question():
    turn = TurnFactory()
    assert turn.session.turns.get() == turn
    assert turn.question.turns.count() == 1
