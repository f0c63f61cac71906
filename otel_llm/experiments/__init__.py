"""Model A/B experiments: sticky in-app assignment, automated runs, results with real statistics.

``client`` (the in-app ``experiment`` block) and ``service`` never import scipy; ``results`` does and
is imported only by the CLI and the console.
"""
