"""Training data from the constitution: recipes, teachers, the quality loop, diversity, mixtures.

``build.build_data`` runs it all for a config; ``alignlab data build`` is its command line.
"""
