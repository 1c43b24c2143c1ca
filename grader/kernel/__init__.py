"""Everything that runs student code: the kernel's launch (limits, bubblewrap sandbox), the session that defines a
notebook's code and calls probes, the text sent into the kernel (``driver``, ``wire``, ``probes``) and the
matplotlib font cache handed to each kernel.

Knows kernels, nothing about rubrics or points. May import: ``model``, ``resources``.
"""
