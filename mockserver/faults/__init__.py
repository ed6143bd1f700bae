"""Faults on purpose: the plan (plan.py), where it meets requests (hooks.py), its control views and the scale
world it can run on."""
