"""The demo (`make demo`): a developer's and newcomer's tool that simulates a programme,
runs the real DAGs on it night by night and checks the warehouse against the ground truth.

Not part of the installed package: it lives beside the platform, like the tests.
"""
