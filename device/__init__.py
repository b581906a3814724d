"""smartbin device runtime: camera -> int8 classifier -> decision -> servos, on the bin."""
