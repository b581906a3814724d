"""Two-stage training: the head on a frozen base, then fine-tuning the top of the base."""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .int8_grid import GridAwareKernels, int8_view, snap_to_int8_grid
from .model import unfreeze_top
from .presets import Recipe, Stage


class EpochTimer(keras.callbacks.Callback):
    """Records wall time per epoch and training throughput (images per second)."""

    def __init__(self, n_train: int) -> None:
        super().__init__()
        self.n_train = n_train
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        dt = time.perf_counter() - self._t0
        self.seconds.append(dt)
        if logs is not None:
            logs["epoch_seconds"] = dt
            logs["images_per_second"] = self.n_train / dt


class KnownAccuracy(keras.metrics.Mean):
    """Categorical accuracy over the photos of the model's classes only. A photo of an `--unknown`
    class has a uniform target (train/data.py) with no top class to hit, so it is left out rather
    than counted as a miss. Named `accuracy`, so logs, history and curves read as before."""

    def __init__(self, name: str = "accuracy", **kwargs) -> None:
        super().__init__(name=name, **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        known = keras.ops.max(y_true, axis=-1) > keras.ops.min(y_true, axis=-1)
        hit = keras.ops.argmax(y_true, axis=-1) == keras.ops.argmax(y_pred, axis=-1)
        return super().update_state(
            keras.ops.cast(hit, "float32"), sample_weight=keras.ops.cast(known, "float32")
        )


class WeightAverage(keras.callbacks.Callback):
    """Stochastic weight averaging: the running mean of the weights at the end of each of the last
    `last` epochs of `epochs`, set on the model when training ends. The base's BatchNormalization
    is frozen when fine-tuning pretrained weights and the head's moving statistics change slowly
    and are averaged with the rest, so the mean needs no pass to recompute them."""

    def __init__(self, epochs: int, last: int) -> None:
        super().__init__()
        self.first = max(0, epochs - last)
        self.count = 0
        self.mean: list[np.ndarray] = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if epoch < self.first:
            return
        weights = self.model.get_weights()
        self.count += 1
        if self.count == 1:
            self.mean = [np.array(w, np.float64) for w in weights]
        else:
            for m, w in zip(self.mean, weights, strict=True):
                m += (w - m) / self.count

    def on_train_end(self, logs=None) -> None:
        if self.count:
            self.model.set_weights([m.astype(np.float32) for m in self.mean])


def counted_from(stage: Stage, recipe: Recipe) -> int:
    """The first epoch (from 0) whose weights a stage may end on: early stopping looks only at the
    second half of a cosine stage."""
    return stage.epochs // 2 if recipe.schedule == "cosine" and not stage.average else 0


def best_epoch(val_loss: list[float], start: int) -> int:
    """The epoch (from 0) of the lowest validation loss from `start` on, the one early stopping
    restores; over all epochs if the stage ended before `start`."""
    counted = range(start, len(val_loss)) if len(val_loss) > start else range(len(val_loss))
    return min(counted, key=val_loss.__getitem__)


def lr_callbacks(stage: Stage, recipe: Recipe) -> list[keras.callbacks.Callback]:
    """EarlyStopping plus the learning-rate schedule of a stage.

    A stage that averages its weights (`stage.average`) runs at its constant rate, to its end.

    `plateau`: ReduceLROnPlateau on val_loss. `cosine`: the rate follows a half cosine from
    `stage.lr` down to 1% of it over the epoch budget; early stopping only looks at the second half,
    so a noisy validation loss at a high rate cannot end the stage before the rate has come down.
    """
    if stage.average:
        return [WeightAverage(stage.epochs, stage.average)]
    stop_kw = {
        "monitor": "val_loss",
        "patience": recipe.patience,
        "restore_best_weights": True,
        "verbose": 1,
    }
    if recipe.schedule == "cosine":
        low = stage.lr / 100

        def rate(epoch: int) -> float:
            return low + 0.5 * (stage.lr - low) * (1 + math.cos(math.pi * epoch / stage.epochs))

        return [
            keras.callbacks.EarlyStopping(**stop_kw, start_from_epoch=counted_from(stage, recipe)),
            keras.callbacks.LearningRateScheduler(rate),
        ]
    return [
        keras.callbacks.EarlyStopping(**stop_kw),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss",
            factor=recipe.lr_factor,
            patience=recipe.lr_patience,
            min_lr=stage.lr / 100,
            verbose=1,
        ),
    ]


def train_stage(
    model: keras.Model,
    base: keras.Model,
    stage: Stage,
    index: int,
    recipe: Recipe,
    train_ds: tf.data.Dataset,
    val_ds: tf.data.Dataset,
    n_train: int,
    run_dir: Path,
    pretrained: bool = True,
    verbose: int = 1,
    calibration: np.ndarray | None = None,
) -> dict:
    """Train one stage with EarlyStopping on val_loss (best weights restored) and the recipe's
    learning-rate schedule (see `lr_callbacks`).

    The int8-grid stage trains `int8_view(model)` (activations rounded as the int8 model will,
    ranges calibrated on the `calibration` images) with `GridAwareKernels`, and ends with the
    kernels on the grid.

    Returns the stage's history (per-epoch metrics, learning rate, seconds, images/s) and summary.
    """
    trainable = unfreeze_top(base, stage.unfreeze, freeze_bn=pretrained)
    optimizer = (
        keras.optimizers.AdamW(stage.lr, weight_decay=recipe.weight_decay)
        if recipe.weight_decay
        else keras.optimizers.Adam(stage.lr)
    )
    fit_model = int8_view(model, base, calibration) if stage.int8_grid else model
    fit_model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
        metrics=[KnownAccuracy()],
    )
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    timer = EpochTimer(n_train)
    callbacks = [
        timer,
        *lr_callbacks(stage, recipe),
        *([GridAwareKernels(base)] if stage.int8_grid else []),
        keras.callbacks.ModelCheckpoint(
            run_dir / "checkpoints" / f"stage{index}.best.weights.h5",
            monitor="val_loss",
            save_best_only=True,
            save_weights_only=True,
        ),
        keras.callbacks.CSVLogger(run_dir / f"history_stage{index}.csv"),
    ]
    print(
        f"stage {index}: {trainable} base layers trainable, lr {stage.lr:g}, "
        f"up to {stage.epochs} epochs",
        flush=True,
    )
    hist = fit_model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=stage.epochs,
        callbacks=callbacks,
        verbose=verbose,
    )
    if stage.int8_grid:
        snap_to_int8_grid(base)  # the restored best kernels, onto the grid for good
    h = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    best = best_epoch(h["val_loss"], counted_from(stage, recipe))
    return {
        "averaged_epochs": min(stage.average, len(h["val_loss"])),
        "stage": index,
        "history": h,
        "trainable_base_layers": trainable,
        "epochs_run": len(h["val_loss"]),
        "best_epoch": best + 1,
        "best_val_loss": h["val_loss"][best],
        "best_val_accuracy": h["val_accuracy"][best],
        "seconds_per_epoch": sum(timer.seconds) / len(timer.seconds),
        "images_per_second": n_train * len(timer.seconds) / sum(timer.seconds),
    }
