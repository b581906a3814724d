"""Training-time augmentation on batches of raw RGB pixels (float32, 0–255), inside tf.data."""

from __future__ import annotations

import keras
import tensorflow as tf

from .presets import Augment


def _per_image(batch: tf.Tensor, low: float, high: float) -> tf.Tensor:
    return tf.random.uniform([tf.shape(batch)[0], 1, 1, 1], low, high)


def _gaussian_kernel(sigma: float, size: int = 5) -> tf.Tensor:
    x = tf.range(size, dtype=tf.float32) - (size - 1) / 2
    k = tf.exp(-(x**2) / (2 * sigma**2))
    k = k / tf.reduce_sum(k)
    k2 = tf.tensordot(k, k, axes=0)[:, :, None, None]
    return tf.tile(k2, [1, 1, 3, 1])


def _smoothstep(x: tf.Tensor, low: float, high: float) -> tf.Tensor:
    t = tf.clip_by_value((x - low) / (high - low), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def backdrop_mask(x: tf.Tensor) -> tf.Tensor:
    """Per pixel (N×H×W×1), how much it looks like TrashNet's backdrop: 1 where bright and
    unsaturated, 0 where saturated or dark, a smooth ramp between."""
    v = tf.reduce_max(x, axis=3, keepdims=True) / 255
    s = 1 - tf.reduce_min(x, axis=3, keepdims=True) / 255 / tf.maximum(v, 1e-3)
    return _smoothstep(v, 0.45, 0.65) * (1 - _smoothstep(s, 0.2, 0.35))


def tint_backdrop(x: tf.Tensor, field: tf.Tensor, weight: tf.Tensor | float = 1.0) -> tf.Tensor:
    """Multiply the backdrop pixels (`backdrop_mask`) by `field`, per image by `weight` (0 leaves
    an image as it was); multiplying keeps the backdrop's shading and texture."""
    return x + weight * backdrop_mask(x) * (x * field - x)


def mottled(n: tf.Tensor, height: tf.Tensor, width: tf.Tensor) -> tf.Tensor:
    """n random mottled patterns in [0, 1] (N×H×W×1): octaves of smoothly upsampled noise, coarse
    to fine, like concrete, carpet or a stained board."""
    t = tf.zeros([n, height, width, 1])
    for grid, weight in ((4, 1.0), (8, 0.6), (16, 0.4), (32, 0.3), (64, 0.25)):
        noise = tf.random.uniform([n, grid, grid, 1])
        t += weight * tf.image.resize(noise, [height, width], method="bilinear")
    low = tf.reduce_min(t, axis=[1, 2, 3], keepdims=True)
    high = tf.reduce_max(t, axis=[1, 2, 3], keepdims=True)
    return (t - low) / tf.maximum(high - low, 1e-6)


def recolour_backdrop(x: tf.Tensor, prob: float, texture: float = 0.0) -> tf.Tensor:
    """With probability `prob` per image, tint the bright, unsaturated pixels (TrashNet's white
    backdrop, but also white paper and clear plastic, as a coloured surface would) by a random
    colour, unevenly lit; saturated or dark pixels (cardboard, labels, shadows) keep theirs.
    A `texture` share of the recoloured images get two colours instead of one, blended by a mottled
    pattern, soft or (for half of them) hard-edged.
    Multiplying keeps the backdrop's shading and texture."""
    n, size = tf.shape(x)[0], tf.shape(x)[1:3]
    colour = tf.random.uniform([n, 1, 1, 3], 0.25, 1.0)
    if texture:
        second = tf.random.uniform([n, 1, 1, 3], 0.15, 1.0)
        pattern = mottled(n, size[0], size[1])
        # half of them hard-edged blobs, as a printed cloth or tiles have, not just soft stains
        hard = tf.cast(_per_image(x, 0, 1) < 0.5, tf.float32)
        pattern += hard * (tf.cast(pattern > 0.5, tf.float32) - pattern)
        blend = pattern * tf.cast(_per_image(x, 0, 1) < texture, tf.float32)
        colour = colour + blend * (second - colour)
    shade = tf.random.uniform([n, 2, 2, 1], 0.7, 1.0)  # light falls off unevenly
    field = colour * tf.image.resize(shade, size, method="bilinear")
    return tint_backdrop(x, field, tf.cast(_per_image(x, 0, 1) < prob, tf.float32))


def build_augmenter(spec: Augment, seed: int):
    """Return a function mapping a float32 batch (B×H×W×3, 0–255) to an augmented batch."""
    geometric = keras.Sequential(
        [
            keras.layers.RandomRotation(
                spec.rotation_deg / 360, fill_mode=spec.fill_mode, seed=seed
            ),
            keras.layers.RandomTranslation(
                spec.shift, spec.shift, fill_mode=spec.fill_mode, seed=seed
            ),
            keras.layers.RandomZoom(
                (-max(spec.zoom, spec.zoom_in), spec.zoom), fill_mode=spec.fill_mode, seed=seed
            ),
            *(
                [
                    keras.layers.RandomZoom(
                        (-spec.aspect, spec.aspect),
                        (0.0, 0.0),
                        fill_mode=spec.fill_mode,
                        seed=seed + 1,
                    )
                ]
                if spec.aspect
                else []
            ),
            *([keras.layers.RandomFlip("horizontal", seed=seed)] if spec.flip else []),
        ],
        name="geometric",
    )
    blur_kernel = _gaussian_kernel(1.5)

    def augment(x: tf.Tensor) -> tf.Tensor:
        x = geometric(x, training=True)
        if spec.backdrop:
            x = recolour_backdrop(x, spec.backdrop, spec.texture)
        x = x * _per_image(x, *spec.brightness)
        if spec.contrast:
            mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
            x = (x - mean) * _per_image(x, 1 - spec.contrast, 1 + spec.contrast) + mean
        if spec.saturation:
            grey = tf.reduce_mean(x, axis=3, keepdims=True)
            x = grey + (x - grey) * _per_image(x, 1 - spec.saturation, 1 + spec.saturation)
        if spec.hue:
            hsv = tf.image.rgb_to_hsv(tf.clip_by_value(x, 0, 255) / 255)
            shift = _per_image(x, -spec.hue, spec.hue)[..., 0]
            h = tf.math.floormod(hsv[..., 0] + shift, 1.0)
            x = tf.image.hsv_to_rgb(tf.stack([h, hsv[..., 1], hsv[..., 2]], axis=-1)) * 255
        if spec.illumination:
            a = spec.illumination
            field = tf.random.uniform([tf.shape(x)[0], 2, 2, 3], 1 - a, 1 + a)
            x = x * tf.image.resize(field, tf.shape(x)[1:3], method="bilinear")
        if spec.blur_prob:
            blurred = tf.nn.depthwise_conv2d(x, blur_kernel, [1, 1, 1, 1], "SAME")
            pick = tf.cast(_per_image(x, 0, 1) < spec.blur_prob, tf.float32)
            x = pick * blurred + (1 - pick) * x
        if spec.noise_std:
            x = x + tf.random.normal(tf.shape(x), stddev=spec.noise_std)
        return tf.clip_by_value(x, 0.0, 255.0)

    return augment
