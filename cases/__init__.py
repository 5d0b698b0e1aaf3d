"""The case catalogue, its loaders and judging, and the generated conformance tests."""
