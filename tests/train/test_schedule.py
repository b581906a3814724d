import keras
import pytest

from train.fit import lr_callbacks
from train.presets import PRESETS, Stage, get_preset


def test_cosine_schedule_decays_to_a_hundredth_and_stops_only_in_the_second_half():
    recipe = get_preset("default", schedule="cosine")
    stage = Stage(unfreeze=10, lr=1e-3, epochs=20)
    stop, sched = lr_callbacks(stage, recipe)
    assert isinstance(sched, keras.callbacks.LearningRateScheduler)
    rates = [sched.schedule(e) for e in range(20)]
    assert rates[0] == pytest.approx(1e-3)
    assert all(a > b for a, b in zip(rates, rates[1:], strict=False))
    assert 1e-5 < rates[-1] < 2e-5  # approaching 1% of the initial rate
    assert isinstance(stop, keras.callbacks.EarlyStopping)
    assert stop.start_from_epoch == 10 and stop.patience == 5 and stop.restore_best_weights


def test_paper_preset_keeps_reduce_on_plateau():
    recipe = PRESETS["paper"]
    kinds = {type(c) for c in lr_callbacks(recipe.stage1, recipe)}
    assert kinds == {keras.callbacks.EarlyStopping, keras.callbacks.ReduceLROnPlateau}
