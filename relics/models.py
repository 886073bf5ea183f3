"""Relic caches and their entries arrive with the relics issue; nothing is stored yet."""
