"""The threat model's defaults, apart so that the command line can show
them without importing the encoder (start-up time)."""

DEFAULT_SERVICE = "rekognition.amazonaws.com"
DEFAULT_ACTION = "sts:AssumeRole"
