"""Comparison methods only, one small module each; the registry names them."""
