"""Pure readers and writers for RuneScape cache formats (no Django).

Every reader takes bytes and raises :class:`relics.formats.errors.RelicFormatError`
naming the offset and what was expected when the bytes are not what they claim.
"""
