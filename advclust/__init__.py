"""advclust: a reproducible companion to four adversarial deep-clustering papers.

Data flows one way: :mod:`advclust.data` gives tensors, a method in
:mod:`advclust.methods` fits and predicts, :mod:`advclust.metrics` scores,
:mod:`advclust.runner` records, and :mod:`advclust.book` renders the chapters.
"""

__version__ = "0.1.0"
