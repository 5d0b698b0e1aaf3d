"""Result files and what is built from them: the merged report, JUnit XML, upgrade diffs.

``results`` defines the per-run JSON file (the single source of truth); ``merge`` reads many
of them into one result set; ``render``/``plots``/``junit`` turn a result set into a report;
``scorecard``/``step_summary``/``badges``/``trend`` are the CI outputs of a merge (a scorecard per adapter, the
job summary in Markdown, shields.io badges, the history across nightlies); ``diff`` compares two result sets (as
Markdown: ``markdown``); ``ci`` answers the nightly workflow's questions about the
tox matrix. Run ``python -m reports --help`` for the command line.

Nothing is imported here, so that ``python -m reports ci ...`` needs only the standard library.
"""
