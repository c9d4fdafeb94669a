"""How the ONNX query encoder splits texts into batches (pure logic, no model)."""

from __future__ import annotations

import pytest

from vectorstore.onnx import _batches

pytestmark = pytest.mark.fast


def test_a_long_sentence_is_not_padded_with_short_ones() -> None:
    lengths = [10, 11, 12, 240]
    assert _batches(lengths, [3, 1, 0, 2], 32) == [[3, 1, 0], [2]]


def test_texts_of_one_length_share_a_batch_up_to_the_batch_size() -> None:
    assert _batches([20] * 5, list(range(5)), 32) == [[0, 1, 2, 3, 4]]
    assert [len(b) for b in _batches([20] * 70, list(range(70)), 32)] in ([32, 32, 6],
                                                                          [6, 32, 32])


def test_every_text_is_in_exactly_one_batch_in_order() -> None:
    lengths = [3, 5, 8, 13, 21, 34, 55, 89, 144, 233]
    order = list(range(len(lengths)))
    batches = _batches(lengths, order, 4)
    assert [i for b in batches for i in b] == order
    assert all(0 < len(b) <= 4 for b in batches)
    assert _batches([], [], 32) == []
