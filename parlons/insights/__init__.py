"""Insights: text analysis of every module's contributions and opinion mapping.

The numeric code (``parlons.insights.opinion``, ``parlons.insights.text``) stays pure: numpy, scikit-learn
and the standard library, no Django import, so that commands, benchmarks and tests run it on files alone.
"""
