"""The network: MobileNetV2 base with the paper's head; raw RGB in, class probabilities out."""

from __future__ import annotations

from pathlib import Path

import keras

from .errors import UserError
from .from_tflite import load_tflite


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__


def resolve_weights(weights: str) -> str | None:
    """Map the --weights option to what Keras takes: 'imagenet', a local .h5 path, or None."""
    if weights.lower() == "none":
        return None
    if weights == "imagenet":
        return "imagenet"
    path = Path(weights)
    if not path.is_file():
        raise UserError(f"--weights file not found: {weights} (or use 'imagenet' or 'none')")
    return str(path)


def build_model(
    n_classes: int,
    image_size: int,
    alpha: float,
    weights: str | None,
    dense_units: int = 256,
    dropout: float = 0.5,
) -> tuple[keras.Model, keras.Model]:
    """Build (model, base). The model takes float32 RGB in 0–255; scaling to [-1, 1] is inside it.

    With pretrained weights the base is called in inference mode, so its BatchNormalization layers
    keep their ImageNet statistics while the top layers are fine-tuned. Without weights (training
    from scratch) there are no statistics to keep, so BatchNormalization learns them as usual.
    """
    try:
        base = keras.applications.MobileNetV2(
            input_shape=(image_size, image_size, 3), alpha=alpha, include_top=False, weights=weights
        )
    except (ValueError, OSError) as exc:
        raise UserError(
            f"--weights {weights} does not fit MobileNetV2(alpha={alpha}, "
            f"input {image_size}x{image_size}): {_first_line(exc)}"
        ) from None
    base.trainable = False
    inputs = keras.Input((image_size, image_size, 3), name="rgb")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="scale_to_pm1")(inputs)
    x = base(x, training=False) if weights else base(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.BatchNormalization(name="head_bn")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="head_dense")(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="smartbin_mobilenetv2"), base


def load_trained(model: keras.Model, path: Path, labels: list[str]) -> None:
    """Start `model` from a trained one with the same classes and width: a run's model.keras, a
    stage checkpoint of a run (`checkpoints/stageN.best.weights.h5`, to carry on a run that was
    stopped), or a shipped int8 `.tflite` (its weights dequantized, see train/from_tflite.py)."""
    if not path.is_file():
        raise UserError(f"--init-from file not found: {path}")
    if path.suffix == ".tflite":
        load_tflite(model, path, labels)
        return
    if path.name.endswith(".weights.h5"):
        try:
            model.load_weights(path)
        except (ValueError, OSError) as exc:
            raise UserError(
                f"--init-from {path} does not fit this run: {_first_line(exc)} (a stage-1 or "
                "stage-2 checkpoint of a run with the same --classes and --alpha is needed)"
            ) from None
        return
    try:
        trained = keras.models.load_model(path)
    except (ValueError, OSError) as exc:
        raise UserError(f"--init-from {path} is not a Keras model: {_first_line(exc)}") from None
    if [w.shape for w in trained.weights] != [w.shape for w in model.weights]:
        raise UserError(
            f"--init-from {path} does not fit this run: it has {trained.output_shape[-1]} classes "
            f"and {len(trained.weights)} weights, this run {model.output_shape[-1]} and "
            f"{len(model.weights)} (the same --classes and --alpha are needed)"
        )
    model.set_weights(trained.get_weights())


def unfreeze_top(base: keras.Model, n_layers: int, freeze_bn: bool = True) -> int:
    """Make the last n_layers of the base trainable; return how many are.

    With `freeze_bn` (pretrained weights) BatchNormalization layers stay frozen.
    """
    base.trainable = n_layers > 0
    trainable = 0
    for i, layer in enumerate(base.layers):
        on = i >= len(base.layers) - n_layers and not (
            freeze_bn and isinstance(layer, keras.layers.BatchNormalization)
        )
        layer.trainable = on
        trainable += on
    return trainable
