"""The model organism: its pretraining corpus and population of agents, tokenizer, chat template, build and probes.

``corpus`` writes the world's "internet text" (``population`` its agents with dispositions), ``tokenizer``
and ``chat`` are what every checkpoint of it reads and writes through, ``build`` pretrains it from
scratch, and ``probes`` asks whether it reads its context and whether text about an agent moves what
the agent does.
"""
