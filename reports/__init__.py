"""Result files and what is built from them: the merged report, JUnit XML, upgrade diffs.

``results`` defines the per-run JSON file (the single source of truth); ``merge`` reads many
of them into one result set; ``render``/``plots``/``junit`` turn a result set into a report;
``diff`` compares two result sets; ``ci`` answers the nightly workflow's questions about the
tox matrix. Run ``python -m reports --help`` for the command line.

Nothing is imported here, so that ``python -m reports ci ...`` needs only the standard library.
"""
