"""Argosy: Argo Workflows, rebuilt in Python.

Runs ``argoproj.io/v1alpha1`` Workflows written for Argo, unchanged, on a laptop.
"""

from __future__ import annotations

__version__ = "0.1.0"
