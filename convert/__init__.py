"""Convert stage: a trained run -> full-integer int8 TFLite model + sidecar, verified."""
