"""Pure helpers several limbs' makers share: words, drawing, noise, sound, grammars."""
