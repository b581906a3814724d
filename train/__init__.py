"""Workstation training stage: MobileNetV2 transfer learning on a folder of class folders."""
