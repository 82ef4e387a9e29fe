"""PIPL in practice, the erasure and access half: requests (Art. 47 deletion, Art. 45 access, opt-out),
their resolution through identity, erasure across every layer, the suppression list that keeps an
erased person out of every later landing and build, and a person's own data as a bundle.

Files live under ``SIYU_HOME/privacy`` (``paths``); one module per job.
"""
