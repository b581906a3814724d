"""MixUp: each training photo blended with another of its batch, targets and loss weights alike."""

from __future__ import annotations

import tensorflow as tf


def mix_weights(n: tf.Tensor, alpha: float) -> tf.Tensor:
    """n mixing weights drawn from Beta(alpha, alpha), folded to [0.5, 1]: each photo stays the
    larger part of its own blend, so its class stays the target's top class."""
    a = tf.random.gamma([n], alpha)
    b = tf.random.gamma([n], alpha)
    lam = a / tf.maximum(a + b, 1e-12)
    return tf.maximum(lam, 1 - lam)


def mixup(alpha: float):
    """Return a tf.data map over batches (pixels, targets[, weights]) that blends each photo with
    a randomly chosen photo of the same batch, by a weight from `mix_weights`: pixels, target
    distributions and loss weights by the same weight, so the loss stays a proper cross-entropy."""

    def mix(x: tf.Tensor, y: tf.Tensor, *w: tf.Tensor):
        n = tf.shape(x)[0]
        lam = mix_weights(n, alpha)
        other = tf.random.shuffle(tf.range(n))

        def blend(t: tf.Tensor) -> tf.Tensor:
            lam_t = tf.reshape(lam, [-1] + [1] * (len(t.shape) - 1))
            return lam_t * t + (1 - lam_t) * tf.gather(t, other)

        return blend(x), blend(y), *(blend(t) for t in w)

    return mix
