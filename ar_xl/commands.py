"""Registers the ar-xl verbs that live beside their actions (import, match, plan, dispute, ...)."""
