import keras
import numpy as np
import pytest

from train.fit import WeightAverage, best_epoch, counted_from, lr_callbacks
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


def test_averaging_stage_runs_at_a_constant_rate_to_its_end():
    (average,) = lr_callbacks(Stage(unfreeze=10, lr=1e-4, epochs=12, average=4), PRESETS["default"])
    assert isinstance(average, WeightAverage) and average.first == 8


def test_weight_average_ends_on_the_mean_of_the_last_epochs():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    average = WeightAverage(epochs=5, last=3)
    average.set_model(model)
    kernels = []
    for epoch in range(5):
        kernel = np.full((3, 2), float(epoch * epoch), np.float32)
        model.layers[0].kernel.assign(kernel)
        kernels.append(kernel)
        average.on_epoch_end(epoch)
    average.on_train_end()
    assert np.allclose(model.layers[0].kernel.numpy(), np.mean(kernels[2:], axis=0))


def test_the_best_epoch_reported_is_the_one_early_stopping_restores():
    recipe = get_preset("default", schedule="cosine")
    stage = Stage(unfreeze=10, lr=1e-3, epochs=8)
    stop, _ = lr_callbacks(stage, recipe)
    assert counted_from(stage, recipe) == stop.start_from_epoch == 4
    # the lowest loss of all is in the first half, which early stopping does not look at
    val_loss = [0.59, 0.64, 0.65, 0.66, 0.63, 0.61, 0.62, 0.615]
    assert best_epoch(val_loss, counted_from(stage, recipe)) == 5
    assert best_epoch(val_loss[:3], 4) == 0  # a stage that ended early: its best of all
    assert counted_from(PRESETS["paper"].stage2, PRESETS["paper"]) == 0
