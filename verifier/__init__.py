"""deputy: a formal verifier for the cross-service confused deputy in AWS access policies."""

__version__ = "0.1.0"
