"""Compiled kernels; see _dispatch.py for how one ISA variant is chosen."""
